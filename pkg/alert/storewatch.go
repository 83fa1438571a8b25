package alert

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// StoreKey is the operator event of a store that cannot be written.
const StoreKey = "store"

// StoreWatch alerts the operators when the store refuses writes (the
// database down, a disk failing) for longer than After, and again when it
// takes them: one alert per outage, sent directly (Dispatcher.SendNow),
// since the outbox is in the store that fails.
type StoreWatch struct {
	// Probe makes one small write (store.ProbeWrite).
	Probe func(ctx context.Context, now time.Time) error
	// Send sends the alert or its end (Dispatcher.SendNow).
	Send  func(ctx context.Context, key, cause string, firing bool, began time.Time) int
	After time.Duration
	// Leading reports whether this node is the cluster's leader; nil
	// when there is no cluster. Only a node that led when an outage began
	// alerts, so a cluster's nodes send one alert, not one each.
	Leading func() bool
	Now     func() time.Time
	Log     *slog.Logger

	// failing is 1 while the last probe failed (for /metrics).
	failing atomic.Bool
	// alerts counts the alerts sent (for /metrics).
	alerts atomic.Int64
	// since is when the outage's first failed probe was; zero while the
	// store is healthy. responsible says this node alerts for it, alerted
	// that it did. Owned by Look.
	since       time.Time
	responsible bool
	alerted     bool
}

// Failing reports whether the last probe failed.
func (w *StoreWatch) Failing() bool { return w.failing.Load() }

// Alerts counts the outages alerted.
func (w *StoreWatch) Alerts() int64 { return w.alerts.Load() }

// probeTimeout bounds one probe: a database that does not answer is
// as unhealthy as one that refuses.
const probeTimeout = 5 * time.Second

// Run probes every interval until ctx ends.
func (w *StoreWatch) Run(ctx context.Context, every time.Duration) { lookEvery(ctx, every, w.Look) }

// Look probes once and alerts, or ends the alert, as the outage demands.
func (w *StoreWatch) Look(ctx context.Context) {
	now := w.Now()
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	err := w.Probe(pctx, now)
	cancel()
	if ctx.Err() != nil {
		return
	}
	if err == nil {
		w.failing.Store(false)
		if !w.since.IsZero() {
			w.Log.Info("store_writable", "unhealthy_for", now.Sub(w.since).Round(time.Second).String())
		}
		if w.alerted {
			w.Send(ctx, StoreKey, "the store takes writes again after "+now.Sub(w.since).Round(time.Second).String(), false, w.since)
		}
		w.since, w.alerted = time.Time{}, false
		return
	}
	w.failing.Store(true)
	if w.since.IsZero() {
		w.since = now
		w.responsible = w.Leading == nil || w.Leading()
		w.Log.Warn("store_unwritable", "err", err, "leading", w.responsible)
	}
	if w.alerted || !w.responsible || now.Sub(w.since) < w.After {
		return
	}
	w.alerted = true
	w.alerts.Add(1)
	cause := "the store has refused writes for " + now.Sub(w.since).Round(time.Second).String() + ": " + err.Error()
	n := w.Send(ctx, StoreKey, cause, true, w.since)
	w.Log.Error("store_unhealthy_alert", "channels", n, "err", err)
}
