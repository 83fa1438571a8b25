package state

import (
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Source says why a component shows its level.
type Source uint8

// Sources of a component's level. The zero value is the probes.
const (
	SourceProbe Source = iota
	SourceIncident
	SourceMaintenance
)

var sourceNames = [...]string{SourceProbe: "probe", SourceIncident: "incident", SourceMaintenance: "maintenance"}

// String returns "probe", "incident" or "maintenance".
func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return fmt.Sprintf("source(%d)", uint8(s))
}

// Override is what operators say about one component: the level an open
// incident sets on it, or under maintenance for a window in progress.
type Override struct {
	Level  status.Level
	Source Source
	// Ref names what says so, for the change's cause and the page:
	// "incident 12: Elevated API errors".
	Ref string
	// MaskProbes hides the probes' verdict: during maintenance failing
	// probes are expected, and the time must count as maintenance, not
	// as an outage. Only an incident can then make the component worse.
	MaskProbes bool
}

// Overrides maps component slugs to what operators say about them.
// Components not in the map show what their probes say.
type Overrides map[string]Override

// SetOverrides replaces every override at once and returns the component
// changes that causes, at the given time. A component shows the worse of
// its probes' level and its override (the override on a tie, since an
// operator's word says more), or the override alone when it masks the
// probes. Slugs of unknown components are ignored: an old incident may
// name a component the config no longer has.
func (e *Engine) SetOverrides(o Overrides, at time.Time) []status.Change {
	e.mu.Lock()
	defer e.mu.Unlock()
	var changes []status.Change
	for _, comp := range e.order {
		ov, ok := o[comp.spec.Slug]
		if ov.Level == status.NoData {
			ok = false
		}
		comp.over, comp.hasOver = ov, ok
		changes = comp.settle(changes, at)
	}
	for _, c := range changes {
		if c.At.After(e.updated) {
			e.updated = c.At
		}
	}
	return changes
}

// judge records the probes' verdict on the component and moves what it
// shows accordingly. Called with mu held.
func (c *componentState) judge(changes []status.Change, at time.Time, level status.Level, cause string) []status.Change {
	if level != c.probeLevel && !at.Before(c.probeSince) {
		c.probeSince = at
	}
	c.probeLevel, c.probeCause = level, cause
	return c.settle(changes, at)
}

// settle moves the component to what it shows now: its probes' verdict
// combined with its override. Called with mu held.
func (c *componentState) settle(changes []status.Change, at time.Time) []status.Change {
	level, cause, src := c.probeLevel, c.probeCause, SourceProbe
	if c.hasOver && (c.over.MaskProbes || !status.Worse(level, c.over.Level)) {
		level, cause, src = c.over.Level, c.over.Ref, c.over.Source
	}
	c.source = src
	return move(changes, &c.cur, status.Change{
		Kind: status.Component, Subject: c.spec.Slug, At: at, To: level, Cause: cause,
	})
}
