package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// generate writes days of results for checks every interval, ending now,
// through the store's writer, 1,000 results a Write, with a few failures
// carrying a reason and detail, as the probes write them.
func generate(ctx context.Context, db string, checks int, interval time.Duration, days int) error {
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	// Large batches: one fsync per 50,000 results rather than per 1,000
	// keeps generation CPU-bound on a slow disk; serve's own batches are
	// the default 1,000.
	w := st.StartWriter(store.WriterOptions{MaxBatch: 50_000})
	end := time.Now().Truncate(interval)
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	names := make([]string, checks)
	for i := range names {
		names[i] = fmt.Sprintf("svc-%04d-health", i)
	}
	began := time.Now()
	batch := make([]status.Result, 0, 1000)
	n, day := 0, 0
	for at := start; at.Before(end); at = at.Add(interval) {
		for i, name := range names {
			r := status.Result{Check: name, Zone: "local", Start: at.Add(time.Duration(i) * interval / time.Duration(checks)),
				Duration: time.Duration(20+(n*7919)%80) * time.Millisecond, Outcome: status.Up}
			if n%100 == 0 {
				r.Outcome, r.Reason, r.Detail = status.Down, "HTTP 503", "GET https://svc.internal/healthz: 503 Service Unavailable"
			}
			batch = append(batch, r)
			n++
			if len(batch) == cap(batch) {
				w.Write(batch, nil)
				batch = make([]status.Result, 0, 1000)
				// Keep the queue short: the writer drops beyond MaxQueue.
				if w.Queued() > 200_000 {
					if err := w.Flush(ctx); err != nil {
						return err
					}
				}
			}
		}
		if d := int(at.Sub(start) / (24 * time.Hour)); d > day {
			day = d
			fmt.Printf("generated day %d of %d: %d results in %v\n", day, days, n, time.Since(began).Round(time.Second))
		}
	}
	w.Write(batch, nil)
	if err := w.Close(ctx); err != nil {
		return err
	}
	fmt.Printf("generated %d results in %v (%.0f/s)\n", n, time.Since(began).Round(time.Second), float64(n)/time.Since(began).Seconds())
	return nil
}
