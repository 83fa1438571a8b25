package state

import (
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Mirror makes the engine show what another engine recorded: a cluster
// follower's copy of the leader's state, read back from the store. changes
// are recorded changes in the order they were stored; each sets its
// subject's level, since and cause as the leader had them. results are
// stored results, applied only for what pages show of them: a zone's last
// result and freshness, and a pod set's instances. No thresholds or
// quorum are run: the leader's verdicts are taken as they are, so the
// two engines cannot disagree over what an edge case means.
//
// A component keeps its override (SetOverrides, from the overlay every
// node loads): its probes' verdict is recomputed from its mirrored checks
// so that an override lifted later shows what the leader shows.
//
// An engine that mirrored can take over as the one that applies results:
// each zone keeps its level until its thresholds move it again, with
// fresh counts.
func (e *Engine) Mirror(changes []status.Change, results []status.Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	touched := map[*componentState]bool{}
	for _, r := range results {
		cs := e.checks[r.Check]
		if cs == nil || cs.zones[r.Zone] == nil {
			continue
		}
		zs := cs.zones[r.Zone]
		switch {
		case r.Instance != "":
			zs.pod(r)
		case r.Outcome != status.NoData && r.Start.After(zs.seen):
			zs.last, zs.seen, zs.stale = r, r.Start, false
			e.keepHeld(cs, zs, r)
		}
	}
	now := time.Now()
	e.expireHeld(now)
	for _, c := range changes {
		// A gap the leader recorded (a restart, a failover) shows the
		// level before it, as on the leader (see Restart).
		cur := subject{level: c.To, since: c.At, cause: c.Cause, held: e.gapHold(c, now)}
		switch c.Kind {
		case status.CheckZone:
			cs := e.checks[c.Subject]
			if cs == nil || cs.zones[c.Zone] == nil {
				continue
			}
			zs := cs.zones[c.Zone]
			zs.cur, zs.fails, zs.oks = cur, 0, 0
			if c.To == status.NoData {
				// Stale (Tick's cause) keeps when the zone was last
				// seen; any other no data ends observation (Stop).
				zs.stale = strings.HasPrefix(c.Cause, "stale:")
				if !zs.stale {
					zs.seen = time.Time{}
				}
			}
			touched[cs.component] = true
		case status.Check:
			cs := e.checks[c.Subject]
			if cs == nil {
				continue
			}
			cs.cur = cur
			touched[cs.component] = true
		case status.Component:
			comp := e.components[c.Subject]
			if comp == nil {
				continue
			}
			comp.cur = cur
			touched[comp] = true
		}
		if c.At.After(e.updated) {
			e.updated = c.At
		}
	}
	for comp := range touched {
		comp.mirrorVerdict()
	}
}

// mirrorVerdict recomputes the probes' verdict on a component from its
// checks' mirrored levels, and which of verdict and override it shows,
// leaving what it shows (cur) as recorded. Called with mu held.
func (c *componentState) mirrorVerdict() {
	for _, cs := range c.checks {
		cs.evaluate() // only for cs.few: the level is the leader's
	}
	level, cause := c.evaluate()
	if level != c.probeLevel {
		// The verdict moved with the newest change of its checks.
		var at time.Time
		for _, cs := range c.checks {
			if cs.cur.since.After(at) {
				at = cs.cur.since
			}
		}
		if !at.Before(c.probeSince) {
			c.probeSince = at
		}
	}
	if level == status.NoData && c.cur.level == status.NoData {
		cause = c.cur.cause // "Ampel stopped" says more than "no check has data"
	}
	c.probeLevel, c.probeCause = level, cause
	c.source = SourceProbe
	if c.hasOver && c.cur.level == c.over.Level && (c.over.MaskProbes || !status.Worse(level, c.over.Level)) {
		c.source = c.over.Source
	}
}
