package metrics

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"testing"
)

// A reading the store holds (a partition) does not hold the scrape: Get
// gives up with NaN, later scrapes join the reading in flight instead of
// piling up queries, and once the store answers the count shows again.
func TestSampleDoesNotWaitForAHeldReading(t *testing.T) {
	release := make(chan struct{})
	var reads atomic.Int32
	s := NewSample(func(ctx context.Context) (int64, error) {
		reads.Add(1)
		select {
		case <-release:
			return 7, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
	for range 3 {
		if v := Value(s.Get()); !math.IsNaN(v) {
			t.Fatalf("a held reading gave %v, want NaN", v)
		}
	}
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d readings for three scrapes of a held one, want 1", n)
	}
	close(release)
	for v := Value(s.Get()); v != 7; v = Value(s.Get()) {
		if !math.IsNaN(v) {
			t.Fatalf("got %v, want NaN until the reading ends, then 7", v)
		}
	}
}

// Gauges that read one Sample in the same scrape share its reading, and a
// failed reading shows as NaN.
func TestSampleSharesAFreshReading(t *testing.T) {
	var reads atomic.Int32
	fail := false
	s := NewSample(func(context.Context) (int, error) {
		reads.Add(1)
		if fail {
			return 0, errors.New("store away")
		}
		return 3, nil
	})
	for range 4 {
		if v := Value(s.Get()); v != 3 {
			t.Fatalf("got %v, want 3", v)
		}
	}
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d readings for four gauges in one scrape, want 1", n)
	}
	fail = true
	s.at = s.at.Add(-s.fresh) // the next scrape
	if v := Value(s.Get()); !math.IsNaN(v) {
		t.Fatalf("a failed reading gave %v, want NaN", v)
	}
}
