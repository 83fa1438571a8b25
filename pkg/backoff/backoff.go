// Package backoff computes the waits between retries of the outboxes
// (mail and alerts): exponential, capped, and spread so that the retries
// after one outage do not all arrive at once.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Exp is base doubled n times, at most max, spread by ±20 %.
func Exp(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 0; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
