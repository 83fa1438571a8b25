// Package state turns probe results into the levels of checks and
// components, applying the consecutive-failure thresholds per zone, the
// quorum rule across zones and each component's mapping of its checks. It
// holds the current state of everything in memory and reports every change
// as a status.Change, so callers can record it.
package state

import (
	"fmt"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// Engine holds the current state of every check in every zone, every check
// across its zones and every component. Its methods are safe for concurrent
// use; Apply calls are serialised.
type Engine struct {
	cfg        *config.Config // what New built from, for Restart
	mu         sync.RWMutex
	checks     map[string]*checkState     // guarded by mu
	components map[string]*componentState // guarded by mu
	order      []*componentState          // config order; guarded by mu
	updated    time.Time                  // newest change of anything; guarded by mu
	lastTick   time.Time                  // the latest Tick's now; guarded by mu
	// holding is set when a subject may hold a level (see held): only
	// then does expireHeld walk every subject. Guarded by mu.
	holding bool
}

type checkState struct {
	spec      *config.Check
	component *componentState
	zones     map[string]*zoneState
	zoneOrder []string
	onLevel   map[status.Level]status.Level // check level → component level
	cur       subject
	// few is set while the check is partial only because fewer zones
	// report than its quorum needs to call it down (see evaluate); the
	// component then takes onFewZones, never worse than onLevel[Down].
	few        bool
	onFewZones status.Level
}

type zoneState struct {
	cur   subject
	fails int // consecutive failed results
	oks   int // consecutive good results
	last  status.Result
	// seen is the start of the newest result applied; stale is set by
	// Tick when none came within three intervals, cleared by the next.
	seen  time.Time
	stale bool
	// pods holds the last result of each instance of a pod set.
	pods map[string]status.Result
}

type componentState struct {
	spec     *config.Component
	position int
	checks   []*checkState
	// cur is what the component shows: probeLevel and probeCause (the
	// probes' verdict) combined with over when hasOver (see overlay.go);
	// source says which of them it shows.
	cur        subject
	probeLevel status.Level
	probeCause string
	probeSince time.Time // when probeLevel last changed
	over       Override
	hasOver    bool
	source     Source
}

// subject is the current level of anything tracked, with when and why it
// began.
type subject struct {
	level status.Level
	since time.Time
	cause string
	// held is shown while level is NoData (see Restart); a move to any
	// level drops it.
	held *held
}

// New builds an engine for the checks and components of cfg, everything at
// status.NoData. cfg must have passed validation.
func New(cfg *config.Config) *Engine {
	e := &Engine{
		cfg:        cfg,
		checks:     make(map[string]*checkState),
		components: make(map[string]*componentState),
	}
	for i := range cfg.Components {
		comp := &componentState{spec: &cfg.Components[i], position: i + 1}
		e.components[comp.spec.Slug] = comp
		e.order = append(e.order, comp)
		for j := range comp.spec.Checks {
			chk := &cfg.Components[i].Checks[j]
			cs := &checkState{
				spec:      chk,
				component: comp,
				zones:     make(map[string]*zoneState, len(chk.Zones)),
				zoneOrder: chk.Zones,
				onLevel: map[status.Level]status.Level{
					status.Up:       status.Up,
					status.Degraded: mapped(chk.OnDegraded, status.Degraded),
					status.Partial:  mapped(chk.OnPartial, status.Partial),
					status.Down:     mapped(chk.OnDown, status.Down),
				},
			}
			cs.onFewZones = mapped(chk.OnDownFewZones, status.Partial)
			if status.Worse(cs.onFewZones, cs.onLevel[status.Down]) {
				cs.onFewZones = cs.onLevel[status.Down]
			}
			for _, z := range chk.Zones {
				cs.zones[z] = &zoneState{}
			}
			comp.checks = append(comp.checks, cs)
			e.checks[chk.Name] = cs
		}
	}
	return e
}

// mapped parses a validated Statuspage status, falling back to def when the
// setting is empty.
func mapped(s string, def status.Level) status.Level {
	if s == "" {
		return def
	}
	l, err := status.ParseStatuspage(s)
	if err != nil {
		return def
	}
	return l
}

// Apply folds one result into the state and returns the changes it caused,
// zone first, then check, then component. A result for a check or zone the
// engine does not know, or for one instance of a pod set, is ignored.
func (e *Engine) Apply(r status.Result) []status.Change {
	e.mu.Lock()
	defer e.mu.Unlock()
	cs := e.checks[r.Check]
	if cs == nil {
		return nil
	}
	if r.Instance != "" {
		// One pod's result moves no state: a zone is judged by the pod
		// set's own result, which applies the minimum healthy.
		if zs := cs.zones[r.Zone]; zs != nil {
			zs.pod(r)
		}
		return nil
	}
	zs := cs.zones[r.Zone]
	if zs == nil {
		return nil
	}
	if r.Outcome == status.NoData {
		// Ampel could not probe, for a reason of its own (out of
		// descriptors, overloaded): stored for operators, but no
		// evidence about the target either way. It counts toward no
		// threshold and does not keep the zone fresh, so a zone that
		// cannot probe for three intervals goes stale: no data, never down.
		return nil
	}
	if e.outdated(zs, cs.spec, r) {
		return nil
	}
	zs.last, zs.seen, zs.stale = r, r.Start, false
	e.keepHeld(cs, zs, r)
	next, cause, ok := zs.next(r, cs.spec)
	if !ok {
		return nil
	}
	var changes []status.Change
	changes = move(changes, &zs.cur, status.Change{
		Kind: status.CheckZone, Subject: r.Check, Zone: r.Zone, At: r.Start, To: next, Cause: cause,
	})
	level, cause := cs.evaluate()
	changes = move(changes, &cs.cur, status.Change{
		Kind: status.Check, Subject: r.Check, At: r.Start, To: level, Cause: cause,
	})
	level, cause = cs.component.evaluate()
	changes = cs.component.judge(changes, r.Start, level, cause)
	for _, c := range changes {
		if c.At.After(e.updated) {
			e.updated = c.At
		}
	}
	return changes
}

// move appends c to changes and makes it cur when it changes the level.
// Times never run backwards for one subject: results of different checks
// finish out of order, and a timeline must stay ordered to be summed.
func move(changes []status.Change, cur *subject, c status.Change) []status.Change {
	if c.To == cur.level {
		// Same level, maybe for another reason now ("down in a, b" after
		// "down in a"): the view says the current one; the timeline
		// records levels only.
		if c.Kind != status.CheckZone && c.Cause != "" {
			cur.cause = c.Cause
		}
		return changes
	}
	if c.At.Before(cur.since) {
		c.At = cur.since
	}
	c.From = cur.level
	*cur = subject{level: c.To, since: c.At, cause: c.Cause}
	return append(changes, c)
}

// next applies the thresholds: a zone goes down only after FailuresToDown
// consecutive failures and comes back after SuccessesToUp consecutive good
// results. Up and degraded follow each other at once: slowness is not an
// outage and needs no confirmation. ok is false when the level stays.
func (z *zoneState) next(r status.Result, spec *config.Check) (status.Level, string, bool) {
	if r.Outcome == status.Down {
		z.fails++
		z.oks = 0
		if z.cur.level == status.Down || z.fails < max(spec.FailuresToDown, 1) {
			return 0, "", false
		}
		return status.Down, fmt.Sprintf("%d consecutive failures: %s", z.fails, r.Reason), true
	}
	z.oks++
	z.fails = 0
	if r.Outcome == z.cur.level {
		return 0, "", false
	}
	if (z.cur.level == status.Down || z.cur.level == status.NoData) && z.oks < max(spec.SuccessesToUp, 1) {
		return 0, "", false
	}
	cause := "up"
	switch {
	case r.Outcome == status.Degraded:
		cause = r.Reason
	case z.cur.level == status.Down:
		cause = fmt.Sprintf("recovered after %d successful checks", z.oks)
	}
	return r.Outcome, cause, true
}
