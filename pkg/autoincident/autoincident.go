// Package autoincident opens and closes incidents from what the probes
// say, for the components whose config asks for it: when a component's
// probes put it at the configured level or worse, an incident opens from
// the component's templates (published, or as a draft); when they recover
// it moves to "monitoring", and to "resolved" once they have stayed up for
// the configured time.
//
// It decides on the probes' own level (state.Component.ProbeLevel), never
// on the level shown: the incident it opens overrides what the component
// shows, and would otherwise hide the recovery. The truth lives in the
// store, not here: the open automatic incident of a component and its
// timeline say what was done, so a restart or a missed wake-up changes
// nothing; a periodic pass over every component catches up.
//
// Rules against storms and against fighting people: one open automatic
// incident per component; while it is open, a relapse after "monitoring"
// posts "investigating" again at most once, later relapses only hold the
// resolution back; after an automatic incident is resolved (by automation
// or by an operator) no new one opens for the component during its
// cool-down (such outages are counted and logged); and an incident on
// whose timeline an operator has posted — an update or the resolution —
// belongs to the operator, and automation leaves it alone.
//
// Subscribers are notified when an incident opens and when it is
// resolved, not of "monitoring" or a relapse, so flapping mails nobody
// more than twice (the store mails nothing about drafts). A component
// under maintenance in progress is left alone: failing probes are
// expected then.
package autoincident

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Actor is who the audit log names for automation's changes: Ampel's own
// changes count as cli among the audit log's actor kinds.
var Actor = store.Actor{Kind: store.ActorCLI, Name: "ampel (automation)"}

// Author is the author of the updates automation posts; an update by any
// other author is an operator's.
const Author = incident.SystemAuthor

// wakeBuffer is how many component wake-ups wait for the evaluator. When
// it is full a wake-up is dropped: the periodic pass evaluates every
// component from the engine's state anyway.
const wakeBuffer = 256

// Automation runs the automatic incidents of a configuration. Observe is
// safe for concurrent use; evaluations are serialised.
type Automation struct {
	engine  *state.Engine
	store   *store.Store
	logger  *slog.Logger
	rules   map[string]*config.AutoIncident // by component slug
	order   []string                        // slugs with rules, config order
	byCheck map[string]string               // check name → slug, for those
	wake    chan string

	mu sync.Mutex // serialises evaluations
	// held remembers, per component, an outage already counted as held
	// back by the cool-down, so it is counted and logged once. Guarded
	// by mu.
	held       map[string]bool
	suppressed atomic.Int64
}

// New returns the automation of cfg's components over the engine's state
// and the store's incidents.
func New(cfg *config.Config, engine *state.Engine, st *store.Store, logger *slog.Logger) *Automation {
	a := &Automation{
		engine: engine, store: st, logger: logger,
		rules: map[string]*config.AutoIncident{}, byCheck: map[string]string{},
		wake: make(chan string, wakeBuffer), held: map[string]bool{},
	}
	for _, comp := range cfg.Components {
		if comp.AutoIncident == nil {
			continue
		}
		a.rules[comp.Slug] = comp.AutoIncident
		a.order = append(a.order, comp.Slug)
		for _, chk := range comp.Checks {
			a.byCheck[chk.Name] = comp.Slug
		}
	}
	return a
}

// Enabled reports whether any component has automatic incidents.
func (a *Automation) Enabled() bool { return len(a.order) > 0 }

// Suppressed counts the outages for which no incident was opened because
// the component's cool-down was running.
func (a *Automation) Suppressed() int64 { return a.suppressed.Load() }

// Observe is an ingest observer: a change of a check or component with
// automation wakes the evaluator for that component. It never blocks.
func (a *Automation) Observe(_ status.Result, changes []status.Change) {
	for _, ch := range changes {
		slug := ""
		switch ch.Kind {
		case status.Check:
			slug = a.byCheck[ch.Subject]
		case status.Component:
			if a.rules[ch.Subject] != nil {
				slug = ch.Subject
			}
		}
		if slug == "" {
			continue
		}
		select {
		case a.wake <- slug:
		default: // the periodic pass will see it
		}
	}
}

// Run evaluates every component at once and every interval, and each
// component woken by Observe, until ctx ends. After each evaluation that
// changed an incident it calls changed (reload the overlay, mark pages
// stale). Errors are logged; the next pass retries.
func (a *Automation) Run(ctx context.Context, every time.Duration, now func() time.Time, changed func(context.Context)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	pass := func(slugs []string) {
		n, err := a.Evaluate(ctx, slugs, now())
		if err != nil && ctx.Err() == nil {
			a.logger.Error("automatic incidents", "err", err)
		}
		if n > 0 {
			changed(ctx)
		}
	}
	pass(a.order)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			pass(a.order)
		case slug := <-a.wake:
			pass(a.drain(slug))
		}
	}
}

// drain returns first and the other wake-ups waiting, each slug once.
func (a *Automation) drain(first string) []string {
	seen := map[string]bool{first: true}
	slugs := []string{first}
	for {
		select {
		case s := <-a.wake:
			if !seen[s] {
				seen[s] = true
				slugs = append(slugs, s)
			}
		default:
			return slugs
		}
	}
}
