package state

import (
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Component is a copy of one component's current state, for pages and APIs.
type Component struct {
	Slug, Name, Group, Description string
	// Position is the component's 1-based place in the config.
	Position int
	Level    status.Level
	Since    time.Time
	Cause    string
	// Source says why the component has its level: its probes, an open
	// incident or maintenance in progress (Cause names which).
	Source Source
	// ProbeLevel is the probes' own verdict, whatever an incident or
	// maintenance lays over it, since ProbeSince, for ProbeCause:
	// automation decides on it, since the incident it opens overrides
	// Level.
	ProbeLevel status.Level
	ProbeSince time.Time
	ProbeCause string
	Checks     []Check
}

// Check is a copy of one check's current state across its zones.
type Check struct {
	Name  string
	Level status.Level
	Since time.Time
	Cause string
	Zones []Zone
}

// Zone is a copy of one check's state in one zone, with the last result.
type Zone struct {
	Zone  string
	Level status.Level
	Since time.Time
	Cause string
	Last  status.Result
	// Fresh is true while the zone's results arrive within three
	// intervals: the zone currently observes the check. Stale is true
	// when it had results but they stopped (an agent gone silent); a
	// stale zone has level NoData and counts in no quorum. Both are false
	// before the first result.
	Fresh, Stale bool
	// LastSeen is the start of the zone's newest result; zero if none.
	LastSeen time.Time
	// Pods are the instances of a pod set probed in the zone's latest run,
	// each with its own last result ("3/4 pods healthy" is in Last).
	Pods []Pod
}

// Components returns the current state of every component in config order.
func (e *Engine) Components() []Component {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Component, 0, len(e.order))
	for _, c := range e.order {
		out = append(out, c.view())
	}
	return out
}

// Component returns one component's current state.
func (e *Engine) Component(slug string) (Component, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c, ok := e.components[slug]
	if !ok {
		return Component{}, false
	}
	return c.view(), true
}

// Summaries returns every component's own state in config order, without
// its checks (Checks is nil): what the live feed and automation read on
// every change, at a cost that does not grow with the checks (at 100
// checks a component, Components costs a hundred times as much).
func (e *Engine) Summaries() []Component {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Component, 0, len(e.order))
	for _, c := range e.order {
		out = append(out, c.summary())
	}
	return out
}

// Summary returns one component's own state without its checks.
func (e *Engine) Summary(slug string) (Component, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c, ok := e.components[slug]
	if !ok {
		return Component{}, false
	}
	return c.summary(), true
}

// UpdatedAt is the time of the newest change of anything; zero before the
// first.
func (e *Engine) UpdatedAt() time.Time {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.updated
}

func (c *componentState) summary() Component {
	v := Component{
		Slug: c.spec.Slug, Name: c.spec.Name, Group: c.spec.Group, Description: c.spec.Description,
		Position: c.position, Source: c.source, ProbeLevel: c.probeLevel, ProbeSince: c.probeSince, ProbeCause: c.probeCause,
	}
	v.Level, v.Since, v.Cause = c.cur.shown()
	return v
}

func (c *componentState) view() Component {
	v := c.summary()
	v.Checks = make([]Check, 0, len(c.checks))
	for _, cs := range c.checks {
		cv := Check{Name: cs.spec.Name}
		cv.Level, cv.Since, cv.Cause = cs.cur.shown()
		for _, name := range cs.zoneOrder {
			z := cs.zones[name]
			zv := Zone{
				Zone: name, Last: z.last,
				Fresh: !z.seen.IsZero() && !z.stale, Stale: z.stale, LastSeen: z.seen, Pods: z.podViews(),
			}
			zv.Level, zv.Since, zv.Cause = z.cur.shown()
			cv.Zones = append(cv.Zones, zv)
		}
		v.Checks = append(v.Checks, cv)
	}
	return v
}

// Stop moves every subject that has data to status.NoData at the given
// time and returns those changes: while Ampel is not running nothing is
// observed, and the history must not count that time as up or down.
func (e *Engine) Stop(at time.Time, cause string) []status.Change {
	e.mu.Lock()
	defer e.mu.Unlock()
	// At most a change per subject: every check in one zone or more, and
	// its component.
	changes := make([]status.Change, 0, len(e.components)+2*len(e.checks))
	for _, comp := range e.order {
		for _, cs := range comp.checks {
			for _, name := range cs.zoneOrder {
				z := cs.zones[name]
				z.cur.held = nil
				changes = move(changes, &z.cur, status.Change{Kind: status.CheckZone, Subject: cs.spec.Name, Zone: name, At: at, Cause: cause})
				z.fails, z.oks = 0, 0
				z.seen, z.stale = time.Time{}, false
			}
			cs.cur.held = nil
			changes = move(changes, &cs.cur, status.Change{Kind: status.Check, Subject: cs.spec.Name, At: at, Cause: cause})
		}
		// Nothing is shown while Ampel is stopped, overrides included:
		// the next start recomputes them.
		if comp.probeLevel != status.NoData {
			comp.probeSince = at
		}
		comp.probeLevel, comp.probeCause, comp.hasOver, comp.source = status.NoData, cause, false, SourceProbe
		comp.cur.held = nil
		changes = move(changes, &comp.cur, status.Change{Kind: status.Component, Subject: comp.spec.Slug, At: at, Cause: cause})
	}
	if len(changes) > 0 {
		e.updated = at
	}
	return changes
}

// CloseOpen returns, for each latest recorded change whose level is not
// status.NoData, a change to NoData at the given time. Run at start-up with
// the time of the last stored result, it closes what a crash left open so
// the time Ampel was down counts as no data. A subject is closed no earlier
// than its latest change.
func CloseOpen(latest []status.Change, at time.Time, cause string) []status.Change {
	var out []status.Change
	for _, c := range latest {
		if c.To == status.NoData {
			continue
		}
		t := at
		if t.Before(c.At) {
			t = c.At
		}
		out = append(out, status.Change{Kind: c.Kind, Subject: c.Subject, Zone: c.Zone, At: t, From: c.To, To: status.NoData, Cause: cause})
	}
	return out
}

// Resume tells a fresh engine where each subject's recorded timeline
// ends: the latest recorded change of each subject (after CloseOpen's). A
// change the engine reports later is never earlier than that, so a result
// that started before a restart's close and arrives after it (an agent's
// spool resending) is recorded at the close, in time order, and the next
// recovery finds it the latest. Levels are left as they are.
func (e *Engine) Resume(latest []status.Change) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.resume(latest)
}

// resume is Resume with mu held.
func (e *Engine) resume(latest []status.Change) {
	for _, c := range latest {
		var cur *subject
		switch c.Kind {
		case status.CheckZone:
			if cs := e.checks[c.Subject]; cs != nil && cs.zones[c.Zone] != nil {
				cur = &cs.zones[c.Zone].cur
			}
		case status.Check:
			if cs := e.checks[c.Subject]; cs != nil {
				cur = &cs.cur
			}
		case status.Component:
			if comp := e.components[c.Subject]; comp != nil {
				cur = &comp.cur
				if c.At.After(comp.probeSince) {
					comp.probeSince = c.At
				}
			}
		}
		if cur != nil && c.At.After(cur.since) {
			cur.since = c.At
		}
	}
}
