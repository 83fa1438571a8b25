package alert

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// hangingReceiver takes requests and answers none until released; it
// records whether the sender gave up on one (its request context ended).
type hangingReceiver struct {
	*httptest.Server
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	got     int
	gaveUp  bool
}

func startHangingReceiver(t *testing.T) *hangingReceiver {
	h := &hangingReceiver{release: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		h.mu.Lock()
		h.got++
		h.mu.Unlock()
		select {
		case <-h.release:
		case <-r.Context().Done():
			h.mu.Lock()
			h.gaveUp = true
			h.mu.Unlock()
		}
	}))
	t.Cleanup(func() {
		h.answer()
		h.Close()
	})
	return h
}

// answer lets every request, open or to come, have its answer.
func (h *hangingReceiver) answer() { h.once.Do(func() { close(h.release) }) }

func (h *hangingReceiver) state() (got int, gaveUp bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got, h.gaveUp
}

// until polls cond until it holds, failing the test after a minute.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after a minute: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHangingChannelDoesNotBlockOthers: a receiver that takes a request
// and never answers holds up its own channel only. The other channel's
// alert arrives while the hanging request is still open (the sender has
// not given up on it), and so does the next alert to it, queued while
// the first channel still hangs; once the hanging receiver answers, its
// channel's waiting alert follows.
func TestHangingChannelDoesNotBlockOthers(t *testing.T) {
	slow := startHangingReceiver(t)
	fast := startReceiver(t)
	dir := t.TempDir()
	// slow comes first: a dispatcher sending serially would try it first.
	f := newFixture(t, "[alerts]\ngroup_window = \"0s\"\n"+channelTOML(dir, "slow", "ntfy", slow.URL)+channelTOML(dir, "fast", "ntfy", fast.URL),
		Options{Client: loopbackClient(10 * time.Minute), Poll: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.d.Run(ctx); close(done) }()

	f.change("api", status.Up, status.Down)
	until(t, "the fast channel's alert", func() bool { return len(fast.requests()) == 1 })
	until(t, "the slow channel's request", func() bool { got, _ := slow.state(); return got == 1 })
	f.change("web", status.Up, status.Down)
	until(t, "the fast channel's second alert", func() bool { return len(fast.requests()) == 2 })
	if got, gaveUp := slow.state(); got != 1 || gaveUp {
		t.Fatalf("slow receiver: %d requests, given up %v; want its first still open", got, gaveUp)
	}
	slow.answer()
	until(t, "the slow channel's waiting alert", func() bool { got, _ := slow.state(); return got == 2 })
	cancel()
	<-done
	if a := f.attempts("slow"); len(a) != 2 || a[0] != "delivered 200" || a[1] != "delivered 200" {
		t.Errorf("slow attempts %q", a)
	}
}
