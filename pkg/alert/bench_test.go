package alert

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// benchSetup is a real store, a writer routing check-in-zone changes to
// a webhook channel at a loopback receiver that reports each arrival on
// got, and a running dispatcher on the real clock.
func benchSetup(b *testing.B) (w *store.Writer, st *store.Store, got <-chan time.Time, post func()) {
	b.Helper()
	arrivals := make(chan time.Time, 20000)
	rcv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		arrivals <- time.Now()
	}))
	b.Cleanup(rcv.Close)
	dir := b.TempDir()
	extra := "[alerts]\ngroup_window = \"0s\"\n" + channelTOML(dir, "hook", "webhook", rcv.URL) +
		"[[alerts.rules]]\nzones = [\"local\"]\nlevels = [\"down\"]\n"
	cfg, err := config.Parse(filepath.Join(dir, "ampel.toml"), []byte(extra), nil)
	if err != nil {
		b.Fatal(err)
	}
	st, err = store.Open(context.Background(), filepath.Join(dir, "ampel.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	targets, err := Targets(cfg)
	if err != nil {
		b.Fatal(err)
	}
	client := safehttp.New(safehttp.Options{Policy: safehttp.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}})
	w = st.StartWriter(store.WriterOptions{Alerts: Router(cfg)})
	d := New(st, Options{Targets: targets, Client: client, Site: Site{Title: "Bench"}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	body := bytes.Repeat([]byte("x"), 600) // about an alert's size
	post = func() {
		req, _ := http.NewRequest(http.MethodPost, rcv.URL, bytes.NewReader(body))
		if _, err := client.Do(req); err != nil {
			b.Fatal(err)
		}
		<-arrivals
	}
	return w, st, arrivals, post
}

// BenchmarkAlertLatency measures the time from a state change handed to
// the store's writer to its alert arriving at a loopback webhook
// receiver: the writer's batching (up to 100 ms), the commit that queues
// the alert, the wake-up, rendering, signing and the POST. The ceiling
// sub-benchmark is the POST alone to the same receiver.
func BenchmarkAlertLatency(b *testing.B) {
	b.Run("alert", func(b *testing.B) {
		w, _, got, _ := benchSetup(b)
		var total time.Duration
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			w.Write(nil, []status.Change{{Kind: status.CheckZone, Subject: fmt.Sprintf("c%d", i), Zone: "local",
				At: start, From: status.Up, To: status.Down, Cause: "HTTP 503"}})
			total += (<-got).Sub(start)
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/alert")
	})
	b.Run("post-ceiling", func(b *testing.B) {
		_, _, _, post := benchSetup(b)
		for b.Loop() {
			post()
		}
	})
}

// BenchmarkAlertFanout10k queues 10,000 alerts to one webhook channel in
// one transaction and measures how fast the dispatcher delivers them all
// (each signed, sent and recorded on its own), against two ceilings in
// the same run: 10,000 bare POSTs to the same loopback receiver, and
// 10,000 commits of the one record per alert that keeps a crash to one
// duplicate (synchronous=FULL: each is an fsync).
func BenchmarkAlertFanout10k(b *testing.B) {
	const n = 10000
	b.Run("alerts", func(b *testing.B) {
		for b.Loop() {
			w, _, got, _ := benchSetup(b)
			changes := make([]status.Change, n)
			now := time.Now()
			for i := range changes {
				changes[i] = status.Change{Kind: status.CheckZone, Subject: fmt.Sprintf("c%05d", i), Zone: "local",
					At: now, From: status.Up, To: status.Down, Cause: "HTTP 503"}
			}
			start := time.Now()
			w.Write(nil, changes)
			for range n {
				<-got
			}
			b.ReportMetric(n/time.Since(start).Seconds(), "alerts/s")
		}
	})
	b.Run("post-ceiling", func(b *testing.B) {
		for b.Loop() {
			_, _, _, post := benchSetup(b)
			start := time.Now()
			for range n {
				post()
			}
			b.ReportMetric(n/time.Since(start).Seconds(), "posts/s")
		}
	})
	b.Run("commit-ceiling", func(b *testing.B) {
		for b.Loop() {
			_, st, _, _ := benchSetup(b)
			start := time.Now()
			for i := range n {
				att := &store.AlertAttempt{Channel: "hook", At: start, Alerts: 1, Outcome: "delivered", Status: 200}
				if err := st.FinishAlerts(context.Background(), []int64{int64(i + 1)}, att, "delivered", time.Time{}, "", start); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(n/time.Since(start).Seconds(), "commits/s")
		}
	})
}
