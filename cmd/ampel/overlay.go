package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/overlay"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
	"github.com/ampelstatus/ampel/ui"
)

// overlayer returns the function that lays what operators say — open
// incidents, maintenance in progress — over the probes' verdict: run at
// start and after every incident or maintenance change. Runs are
// serialised so an older read of the store never replaces a newer one.
// An error is logged and leaves the components as they were; the next
// change retries. override lays it over the engine: ingest's, which
// records what changes, on the leader; the replica's, which records
// nothing, on a follower.
func overlayer(st *store.Store, override func(state.Overrides, time.Time) []status.Change, logger *slog.Logger, now func() time.Time) func(context.Context) {
	var mu sync.Mutex
	return func(ctx context.Context) {
		mu.Lock()
		defer mu.Unlock()
		o, err := overlay.Load(ctx, st)
		if err != nil {
			logger.Error("apply incidents and maintenance to components", "err", err)
			return
		}
		override(o, now())
	}
}

// refresher returns what runs after a change the clock or automation
// made to incidents or maintenance: the overlay is reloaded, then the
// cached pages are marked stale, so a page built in between cannot be
// cached as current (the order the console's changes keep too).
func refresher(applyOverlay func(context.Context), feed *ui.Feed) func(context.Context) {
	return func(ctx context.Context) {
		applyOverlay(ctx)
		feed.Touch()
	}
}

// followOverlay runs refresh whenever any node of a cluster changed an
// incident or a maintenance window (the store's ChannelOverlay, sent in
// the committing transaction), and after each reconnect of its listener,
// which may have missed one: a write on one node takes effect on every
// node's components and pages at once. The node that wrote refreshes a
// second time, which changes nothing. On SQLite, where the one process
// refreshes as it writes, it only waits for ctx. It returns when ctx
// ends.
func followOverlay(ctx context.Context, st *store.Store, refresh func(context.Context), logger *slog.Logger) {
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.Listen(ctx, store.ListenOptions{Logger: logger}, func(string, string) {
			select {
			case wake <- struct{}{}:
			default:
			}
		}, store.ChannelOverlay)
	}()
	defer func() { <-done }()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
			refresh(ctx)
		}
	}
}
