package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// expireSubscribers deletes sign-ups whose confirmation link ran out; run
// with the hourly housekeeping. The confirm page checks the expiry itself,
// so this only keeps stale addresses from lingering.
func expireSubscribers(ctx context.Context, st *store.Store, logger *slog.Logger) {
	n, err := st.ExpireSubscribers(ctx, time.Now())
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Warn("expire subscribers", "err", err)
	case n > 0:
		logger.Info("expired unconfirmed subscribers", "subscribers", n)
	}
}
