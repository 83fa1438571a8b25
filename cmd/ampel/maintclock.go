package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ampelstatus/ampel/pkg/maintclock"
	"github.com/ampelstatus/ampel/store"
)

// maintClockEvery is how often ampel serve moves maintenance windows by
// the clock; their updates are dated at the scheduled times anyway.
const maintClockEvery = 10 * time.Second

// startMaintClock moves maintenance windows by the clock, at once and
// every maintClockEvery, until the returned stop is called (before
// observation ends: a move re-applies the overlay). After any move it
// calls changed (reload the overlay, so components show under_maintenance
// or return to their probes, and mark the cached pages stale).
func startMaintClock(ctx context.Context, st *store.Store, changed func(context.Context), logger *slog.Logger) (stop func()) {
	return runUntilStopped(ctx, func(ctx context.Context) {
		tick := time.NewTicker(maintClockEvery)
		defer tick.Stop()
		for {
			moveMaintenance(ctx, st, changed, logger, time.Now())
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
}

// moveMaintenance runs one tick of the clock.
func moveMaintenance(ctx context.Context, st *store.Store, changed func(context.Context), logger *slog.Logger, now time.Time) {
	moves, err := maintclock.Tick(ctx, st, now)
	if err != nil && ctx.Err() == nil {
		logger.Error("move maintenance by the clock", "err", err)
	}
	for _, m := range moves {
		logger.Info("maintenance moved by the clock", "maintenance", m.ID, "from", m.From, "to", m.To)
	}
	if len(moves) > 0 {
		changed(ctx)
	}
}
