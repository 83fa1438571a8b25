package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// expireSubscribers deletes sign-ups whose confirmation link ran out and
// tokens past their expiry; run with the hourly housekeeping. The pages
// check expiries themselves, so this only keeps stale rows from piling up.
func expireSubscribers(ctx context.Context, st *store.Store, logger *slog.Logger) {
	now := time.Now()
	n, err := st.ExpireSubscribers(ctx, now)
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Warn("expire subscribers", "err", err)
	case n > 0:
		logger.Info("expired unconfirmed subscribers", "subscribers", n)
	}
	n, err = st.PruneSubscriberTokens(ctx, now)
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Warn("prune subscriber tokens", "err", err)
	case n > 0:
		logger.Info("pruned expired subscriber tokens", "tokens", n)
	}
}
