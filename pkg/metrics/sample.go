package metrics

import (
	"context"
	"math"
	"sync"
	"time"
)

// Sample is a slow reading behind gauges, such as a count the store
// answers. A scrape waits for a reading at most a short while and
// shows NaN when it does not come. While the database is away, a
// partition holds a query until its timeout. With each store-backed
// gauge waiting its own second, /metrics outlasted the 3 s a monitor
// gives it, at the moment the monitor needed it most. Gauges that read
// one Sample within a second share one reading.
type Sample[T any] struct {
	read    func(context.Context) (T, error)
	timeout time.Duration // a reading's own limit
	wait    time.Duration // how long a scrape waits for it
	fresh   time.Duration // how long a finished reading is reused

	mu      sync.Mutex
	running chan struct{} // closed when the reading in flight ends
	val     T
	ok      bool
	at      time.Time
}

// NewSample returns a Sample taken by read: at most 5 s a reading, a
// scrape waits 250 ms for it, and a reading is reused for a second.
func NewSample[T any](read func(context.Context) (T, error)) *Sample[T] {
	return &Sample[T]{read: read, timeout: 5 * time.Second, wait: 250 * time.Millisecond, fresh: time.Second}
}

// Get returns the latest reading. It starts one unless one is in flight
// or the last is still fresh, and waits for it at most the sample's
// wait. ok is false when the reading failed or did not come in time.
func (s *Sample[T]) Get() (v T, ok bool) {
	s.mu.Lock()
	if s.running == nil && time.Since(s.at) < s.fresh {
		defer s.mu.Unlock()
		return s.val, s.ok
	}
	if s.running == nil {
		s.running = make(chan struct{})
		go s.take(s.running)
	}
	done := s.running
	s.mu.Unlock()
	t := time.NewTimer(s.wait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		return v, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.val, s.ok
}

// take makes one reading and closes done when it is stored.
func (s *Sample[T]) take(done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	v, err := s.read(ctx)
	cancel()
	s.mu.Lock()
	s.val, s.ok, s.at, s.running = v, err == nil, time.Now(), nil
	s.mu.Unlock()
	close(done)
}

// Value is a gauge's value for a count read by a Sample: NaN when the
// reading failed or did not come, so a scrape shows the gap rather than
// a wrong count.
func Value[N int | int64](n N, ok bool) float64 {
	if !ok {
		return math.NaN()
	}
	return float64(n)
}
