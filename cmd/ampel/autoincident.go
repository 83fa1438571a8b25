package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ampelstatus/ampel/pkg/autoincident"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// autoIncidentEvery is how often every component with automation is
// evaluated, besides the wake-ups from ingest: it resolves incidents whose
// probes have stayed up long enough, and catches wake-ups dropped while
// the evaluator was busy.
const autoIncidentEvery = 5 * time.Second

// autoIncidents runs the automatic incidents of ampel serve.
type autoIncidents struct {
	a    *autoincident.Automation
	stop func()
}

// newAutoIncidents returns the automation of cfg and an ingest observer
// that feeds it after observe has seen each result. It runs once started.
func newAutoIncidents(cfg *config.Config, engine *state.Engine, st *store.Store, m *metrics.Metrics, logger *slog.Logger,
	observe func(status.Result, []status.Change)) (*autoIncidents, func(status.Result, []status.Change)) {
	x := &autoIncidents{a: autoincident.New(cfg, engine, st, logger), stop: func() {}}
	if !x.a.Enabled() {
		return x, observe
	}
	m.Counter("ampel_auto_incidents_held_total", "Outages that opened no automatic incident because the component's cool-down ran.",
		func() float64 { return float64(x.a.Suppressed()) })
	return x, func(r status.Result, changes []status.Change) {
		observe(r, changes)
		x.a.Observe(r, changes)
	}
}

// start runs the automation until Stop. After each change it calls
// changed (reload the overlay, mark the cached pages stale).
func (x *autoIncidents) start(ctx context.Context, changed func(context.Context)) {
	if !x.a.Enabled() {
		return
	}
	x.stop = runUntilStopped(ctx, func(ctx context.Context) {
		x.a.Run(ctx, autoIncidentEvery, time.Now, changed)
	})
}

// Stop ends the automation and waits for an evaluation in flight, so no
// change follows the end of observation.
func (x *autoIncidents) Stop() { x.stop() }
