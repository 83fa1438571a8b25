package backoff

import (
	"testing"
	"time"
)

// TestExp: the wait doubles per attempt up to max, spread within ±20 %.
func TestExp(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want time.Duration
	}{{0, time.Second}, {1, 2 * time.Second}, {3, 8 * time.Second}, {10, time.Minute}, {1000, time.Minute}} {
		for range 50 {
			got := Exp(time.Second, time.Minute, tt.n)
			if lo, hi := tt.want*8/10, tt.want*12/10; got < lo || got > hi {
				t.Fatalf("Exp(1s, 1m, %d) = %s, want within %s..%s", tt.n, got, lo, hi)
			}
		}
	}
}
