package ui

import (
	"testing"
	"time"
)

// TestTokenRateKeepsAHeldBackToken: when the table of buckets is full, a
// token that has spent its burst stays held back; only buckets that have
// refilled make room (clearing them all gave it a fresh burst).
func TestTokenRateKeepsAHeldBackToken(t *testing.T) {
	r := newTokenRate(2, time.Second)
	r.max = 3
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	for range 2 {
		if wait := r.take(1, now); wait != 0 {
			t.Fatalf("token 1 within its burst: wait %s", wait)
		}
	}
	if r.take(1, now) == 0 {
		t.Fatal("token 1 past its burst was let through")
	}
	r.take(2, now.Add(-time.Hour)) // refilled long since by now
	r.take(3, now)
	r.take(4, now) // the table is full: room is made
	if wait := r.take(1, now); wait == 0 {
		t.Fatal("token 1 got a fresh burst when the table was full")
	}
	if len(r.bucket) > r.max {
		t.Fatalf("%d buckets kept, at most %d", len(r.bucket), r.max)
	}
}
