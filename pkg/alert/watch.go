package alert

import (
	"context"
	"log/slog"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// Condition is a problem of Ampel's own (backups failing, a zone gone
// silent) that its operators hear about and the status page never shows.
type Condition struct {
	// Key names it in the outbox ("backups", "zone-eu-central"):
	// lowercase letters, digits and dashes.
	Key string
	// Check reports whether the problem is there, and what it is (or,
	// when it is not, what is well again).
	Check func() (bad bool, cause string)
}

// Watcher looks at conditions and queues an operator alert to every
// channel when one starts, and its end when it stops.
type Watcher struct {
	st       *store.Store
	channels []string
	conds    func() []Condition
	now      func() time.Time
	log      *slog.Logger
	// last is each condition's state at the last look; absent before the
	// first. Owned by Run.
	last map[string]bool
}

// NewWatcher watches the conditions conds returns (the set may change,
// as zones come and go) for channels.
func NewWatcher(st *store.Store, channels []string, conds func() []Condition, now func() time.Time, log *slog.Logger) *Watcher {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Watcher{st: st, channels: channels, conds: conds, now: now, log: log, last: map[string]bool{}}
}

// Run looks every interval until ctx ends.
func (w *Watcher) Run(ctx context.Context, every time.Duration) { lookEvery(ctx, every, w.Look) }

// lookEvery calls look at once and then every interval until ctx ends.
func lookEvery(ctx context.Context, every time.Duration, look func(context.Context)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		look(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Look checks every condition once. The first look at a condition that
// is fine still queues its end: the store sends it only if a start went
// out before a restart.
func (w *Watcher) Look(ctx context.Context) {
	for _, c := range w.conds() {
		bad, cause := c.Check()
		if was, seen := w.last[c.Key]; seen && was == bad {
			continue
		}
		if _, err := w.st.EnqueueOperatorAlert(ctx, w.channels, c.Key, cause, bad, w.now()); err != nil {
			if ctx.Err() == nil {
				w.log.Error("operator_alert_failed", "key", c.Key, "err", err)
			}
			continue // looked at again next time
		}
		if bad {
			w.log.Warn("operator_alert", "key", c.Key, "cause", cause)
		}
		w.last[c.Key] = bad
	}
}
