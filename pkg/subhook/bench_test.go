package subhook

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/store"
)

// BenchmarkHookFanout is one incident update to 10,000 confirmed webhook
// subscribers through the real path: a SQLite file, the incident's
// transaction queueing 10,000 rows, the dispatcher (what ampel serve
// runs) woken by the commit, each delivery rendered in Statuspage's body
// with the incident read from the store, signed with its subscription's
// secret, POSTed through safehttp to a loopback receiver and recorded.
// It reports deliveries/s per webhook_workers setting, and the bare
// net/http POST rate to the same receiver in the same run as ceiling.
//
//	go test ./pkg/subhook -run '^$' -bench HookFanout -benchtime=1x
func BenchmarkHookFanout(b *testing.B) {
	const n = 10_000
	var arrived atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { arrived.Add(1) }))
	b.Cleanup(rcv.Close)
	for _, workers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				f := newFixture(b, "sqlite", Options{Workers: workers, Batch: 1000})
				seedConfirmed(b, f.st, rcv.URL, n)
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { f.d.Run(ctx); close(done) }()
				arrived.Store(0)
				b.StartTimer()
				start := time.Now()
				f.incident("Fan-out", "api")
				for arrived.Load() < n {
					time.Sleep(time.Millisecond)
				}
				for {
					if p, _ := f.st.PendingHooks(context.Background()); p == 0 {
						break
					}
					time.Sleep(time.Millisecond)
				}
				took := time.Since(start)
				b.StopTimer()
				cancel()
				<-done
				b.ReportMetric(float64(n)/took.Seconds(), "deliveries/s")
			}
		})
	}
	b.Run("bare-net-http", func(b *testing.B) {
		body := bytes.Repeat([]byte("x"), 1500) // about an incident update's size
		for range b.N {
			start := time.Now()
			var wg sync.WaitGroup
			var next atomic.Int64
			for range 4 {
				wg.Go(func() {
					for next.Add(1) <= n {
						res, err := http.Post(rcv.URL, "application/json", bytes.NewReader(body))
						if err != nil {
							b.Error(err)
							return
						}
						res.Body.Close()
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "posts/s")
		}
	})
}

// seedConfirmed signs up n webhooks at url and confirms them all in one
// transaction, as echoed verifications would.
func seedConfirmed(b *testing.B, st *store.Store, url string, n int) {
	b.Helper()
	ctx := context.Background()
	now := time.Now()
	for i := range n {
		_, err := st.SubscribeHook(ctx, store.HookRequest{Kind: store.HookWebhook, URL: url, Host: "127.0.0.1", Secret: channel.NewSecret(),
			ManageSecret: fmt.Sprintf("m%d", i), Lang: "en", ConfirmWithin: time.Hour, MaxPerHost: n}, now)
		if err != nil {
			b.Fatal(err)
		}
	}
	due, err := st.DueHooks(ctx, now, n)
	if err != nil || len(due) != n {
		b.Fatalf("%d due, %v", len(due), err)
	}
	res := make([]store.HookResult, len(due))
	for i, d := range due {
		res[i] = store.HookResult{RowID: d.ID, HookID: d.Hook.ID, Outcome: store.HookDelivered, Status: 200, Confirm: true}
	}
	if _, err := st.RecordHooks(ctx, res, store.Quarantine{}, now); err != nil {
		b.Fatal(err)
	}
}
