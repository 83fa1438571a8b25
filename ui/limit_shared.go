package ui

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// sharedWait bounds one look at the shared counts: a limit must not hold
// a request up for long while the database is slow.
const sharedWait = 2 * time.Second

// sharedLimits counts rate limits in the store, for a cluster: every node
// counts in one place, so a client meets each limit once, not once per
// node. A nil *sharedLimits counts nothing and each limiter counts in
// its own memory (one node). When the store cannot answer, a limiter
// falls back to its memory for that decision (logged once per episode):
// the request is judged by this node's counts rather than refused.
type sharedLimits struct {
	st  *store.Store
	log *slog.Logger
	// down is set while the store fails: it rations the log.
	down atomic.Bool
}

func newSharedLimits(d Deps) *sharedLimits {
	if !d.ClusterLimits || d.Store == nil {
		return nil
	}
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &sharedLimits{st: d.Store, log: log}
}

// count counts a hit on each key and returns the hits of each in its
// window; ok is false when the store failed.
func (s *sharedLimits) count(now time.Time, keys ...store.RateKey) (hits []int64, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedWait)
	defer cancel()
	hits, err := s.st.CountHits(ctx, now, keys...)
	return hits, s.result(err)
}

// peek returns the hits of each key in its window, counting none.
func (s *sharedLimits) peek(now time.Time, keys ...store.RateKey) (hits []int64, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedWait)
	defer cancel()
	hits, err := s.st.Hits(ctx, now, keys...)
	return hits, s.result(err)
}

func (s *sharedLimits) result(err error) bool {
	if err != nil {
		if !s.down.Swap(true) {
			s.log.Warn("rate limits counted on this node only: the store cannot count them", "err", err)
		}
		return false
	}
	if s.down.Swap(false) {
		s.log.Info("rate limits counted in the store again")
	}
	return true
}
