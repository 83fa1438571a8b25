package agent

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// fakeServer answers pushes with what answer says for the n-th push
// (0-based) and records the sequences it acknowledged.
type fakeServer struct {
	mu     sync.Mutex
	pushes []time.Time
	sizes  []int
	stored map[int64]int // seq → times stored
	answer func(n int, p *Push) (code int, retryAfter string)
	field  string // of refusals; "results" when empty
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p Push
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.pushes)
	f.pushes = append(f.pushes, time.Now())
	f.sizes = append(f.sizes, len(p.Results))
	code, retry := f.answer(n, &p)
	if code != http.StatusOK {
		if retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		w.WriteHeader(code)
		field := f.field
		if field == "" {
			field = "results"
		}
		json.NewEncoder(w).Encode(map[string]string{"error": "no", "field": field})
		return
	}
	var last int64
	for _, res := range p.Results {
		f.stored[res.Seq]++
		last = res.Seq
	}
	json.NewEncoder(w).Encode(Ack{Acked: last, ServerTime: time.Now()})
}

func newPushAgent(t *testing.T, f *fakeServer, results int) *Agent {
	t.Helper()
	f.stored = map[int64]int{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	a, err := New(Options{Server: srv.URL, Zone: "eu", Token: "t", SpoolDir: t.TempDir(), BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.spool.Close() })
	for i := range results {
		r := status.Result{Check: "c", Zone: "eu", Start: time.Unix(int64(i), 0), Outcome: status.Up}
		if _, err := a.spool.Append(encodeResult(r)); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// drain runs the push loop until the spool is empty or it returns.
func drain(t *testing.T, a *Agent) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.pushLoop(ctx, ctx) }()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case err := <-done:
			return err
		case <-deadline:
			t.Fatal("spool not drained within 20s")
		case <-time.After(20 * time.Millisecond):
			if a.spool.Stats().Depth == 0 {
				cancel()
				return <-done
			}
		}
	}
}

func TestPushHonoursRetryAfter(t *testing.T) {
	f := &fakeServer{answer: func(n int, _ *Push) (int, string) {
		switch n {
		case 0:
			return http.StatusTooManyRequests, "1"
		case 1:
			return http.StatusServiceUnavailable, "1"
		}
		return http.StatusOK, ""
	}}
	a := newPushAgent(t, f, 10)
	if err := drain(t, a); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if gap := f.pushes[1].Sub(f.pushes[0]); gap < time.Second {
		t.Fatalf("retried after %v, Retry-After said 1s", gap)
	}
	if gap := f.pushes[2].Sub(f.pushes[1]); gap < time.Second {
		t.Fatalf("retried after %v, Retry-After said 1s", gap)
	}
	for seq := int64(1); seq <= 10; seq++ {
		if f.stored[seq] != 1 {
			t.Fatalf("seq %d stored %d times", seq, f.stored[seq])
		}
	}
}

func TestPushIsolatesARefusedResult(t *testing.T) {
	// The server refuses any batch holding sequence 6.
	f := &fakeServer{answer: func(_ int, p *Push) (int, string) {
		for _, r := range p.Results {
			if r.Seq == 6 {
				return http.StatusUnprocessableEntity, ""
			}
		}
		return http.StatusOK, ""
	}}
	a := newPushAgent(t, f, 9)
	if err := drain(t, a); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for seq := int64(1); seq <= 9; seq++ {
		want := 1
		if seq == 6 {
			want = 0
		}
		if f.stored[seq] != want {
			t.Fatalf("seq %d stored %d times, want %d", seq, f.stored[seq], want)
		}
	}
	if st := a.spool.Stats(); st.Dropped != 1 || st.Acked != 9 {
		t.Fatalf("spool after the refusal: %+v", st)
	}
}

func TestPushStopsOnARefusedToken(t *testing.T) {
	f := &fakeServer{answer: func(int, *Push) (int, string) { return http.StatusUnauthorized, "" }}
	a := newPushAgent(t, f, 3)
	if err := drain(t, a); !errors.Is(err, ErrRefused) {
		t.Fatalf("push loop ended with %v, want ErrRefused", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pushes) != 1 || a.spool.Stats().Depth != 3 {
		t.Fatalf("%d pushes, %d left in the spool: want 1 push and nothing lost", len(f.pushes), a.spool.Stats().Depth)
	}
}

func TestPushStopsWhenTheAgentIsRefused(t *testing.T) {
	// A spool folder copied from another zone: the server refuses the
	// agent, not a result. Nothing may be dropped.
	f := &fakeServer{field: "agent", answer: func(int, *Push) (int, string) { return http.StatusConflict, "" }}
	a := newPushAgent(t, f, 3)
	if err := drain(t, a); !errors.Is(err, ErrRefused) {
		t.Fatalf("push loop ended with %v, want ErrRefused", err)
	}
	if st := a.spool.Stats(); st.Depth != 3 || st.Dropped != 0 {
		t.Fatalf("spool after the refusal: %+v", st)
	}
}

// TestPushCarriesValue: a measured value goes through the spool and the
// push body; a result without one carries none (not a zero).
func TestPushCarriesValue(t *testing.T) {
	var got []Result
	f := &fakeServer{answer: func(_ int, p *Push) (int, string) {
		got = append(got, p.Results...)
		return http.StatusOK, ""
	}}
	a := newPushAgent(t, f, 0)
	for _, r := range []status.Result{
		{Check: "m", Zone: "eu", Start: time.Unix(1, 0), Outcome: status.Up, Value: 0.07, HasValue: true},
		{Check: "m", Zone: "eu", Start: time.Unix(2, 0), Outcome: status.Up},
	} {
		if _, err := a.spool.Append(encodeResult(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := drain(t, a); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(got) != 2 || got[0].Value == nil || *got[0].Value != 0.07 || got[1].Value != nil {
		t.Fatalf("pushed %+v", got)
	}
}

// TestPushGathersResults: results spooled one by one, as a busy zone's
// are, go out in a few pushes, not one push each: every push costs the
// server a commit whatever it carries.
func TestPushGathersResults(t *testing.T) {
	f := &fakeServer{answer: func(int, *Push) (int, string) { return http.StatusOK, "" }}
	a := newPushAgent(t, f, 0)
	a.opts.BatchSize, a.opts.PushGap = 500, 200*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.pushLoop(ctx, ctx) }()
	const n = 100
	for i := range n {
		r := status.Result{Check: "c", Zone: "eu", Start: time.Unix(int64(i), 0), Outcome: status.Up}
		if _, err := a.spool.Append(encodeResult(r)); err != nil {
			t.Fatal(err)
		}
		select {
		case a.spooled <- struct{}{}:
		default:
		}
		time.Sleep(10 * time.Millisecond)
	}
	for deadline := time.Now().Add(10 * time.Second); a.spool.Stats().Depth > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.stored) != n {
		t.Fatalf("server stored %d of %d results", len(f.stored), n)
	}
	for seq, times := range f.stored {
		if times != 1 {
			t.Errorf("result %d stored %d times", seq, times)
		}
	}
	// At one result every 10 ms for a second or more, a push every
	// 200 ms makes about 6; one push per result would make 100.
	if len(f.pushes) > n/3 {
		t.Errorf("%d results went out in %d pushes (sizes %v); want them gathered", n, len(f.pushes), f.sizes)
	}
}
