package state

import (
	"fmt"
	"slices"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// staleAfter is how long a zone stays fresh for a check without a result:
// three intervals, plus a heartbeat's grace (its first missing call is
// recorded only after interval + grace). A check without an interval
// (never one from a validated config) never goes stale.
func staleAfter(spec *config.Check) time.Duration {
	if spec.Interval <= 0 {
		return 1<<63 - 1
	}
	d := 3 * spec.Interval.D()
	if spec.Heartbeat != nil {
		d += spec.Heartbeat.Grace.D()
	}
	return d
}

// outdated reports whether r must not move the state: it started no later
// than the newest result already applied for its zone (it would reorder
// the timeline, or it is that result sent again), or it was already stale
// when it arrived (an agent's backlog after a cut, or a clock running
// behind). It is still stored; it only does not rewrite the past. Called
// with mu held.
func (e *Engine) outdated(zs *zoneState, spec *config.Check, r status.Result) bool {
	if !zs.seen.IsZero() && !r.Start.After(zs.seen) {
		return true
	}
	return !e.lastTick.IsZero() && e.lastTick.Sub(r.Start) > staleAfter(spec)
}

// Tick moves every zone that has had no result for three of its check's
// intervals to no data, as stale, and re-evaluates its check and
// component, returning the changes. A stale zone never counts as down: an
// agent that went silent is an operator's problem, not an outage. Call it
// periodically (every second) with the current time.
func (e *Engine) Tick(now time.Time) []status.Change {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now.After(e.lastTick) {
		e.lastTick = now
	}
	e.expireHeld(now)
	var changes []status.Change
	for _, comp := range e.order {
		for _, cs := range comp.checks {
			changes = e.tickCheck(changes, cs, now)
		}
	}
	for _, c := range changes {
		if c.At.After(e.updated) {
			e.updated = c.At
		}
	}
	return changes
}

// tickCheck moves the check's zones that went stale by now to no data and
// re-evaluates the check once per instant at which some went stale: zones
// silent since the same moment go stale together, never one by one (which
// would record a passing partial while the last of them is still counted).
// A zone that had no level yet changes nothing itself but counts among the
// zones reporting no more.
func (e *Engine) tickCheck(changes []status.Change, cs *checkState, now time.Time) []status.Change {
	var stale []string
	for _, name := range cs.zoneOrder {
		zs := cs.zones[name]
		if !zs.stale && !zs.seen.IsZero() && now.Sub(zs.seen) > staleAfter(cs.spec) {
			stale = append(stale, name)
		}
	}
	slices.SortStableFunc(stale, func(a, b string) int { return cs.zones[a].seen.Compare(cs.zones[b].seen) })
	for i, name := range stale {
		zs := cs.zones[name]
		staleAt := zs.seen.Add(staleAfter(cs.spec))
		zs.stale = true
		zs.fails, zs.oks = 0, 0
		cause := fmt.Sprintf("stale: no results from zone %s since %s", name, zs.seen.UTC().Format(time.RFC3339))
		changes = move(changes, &zs.cur, status.Change{
			Kind: status.CheckZone, Subject: cs.spec.Name, Zone: name, At: staleAt, To: status.NoData, Cause: cause,
		})
		if i+1 < len(stale) && cs.zones[stale[i+1]].seen.Equal(zs.seen) {
			continue // the next goes stale at the same instant
		}
		level, why := cs.evaluate()
		changes = move(changes, &cs.cur, status.Change{
			Kind: status.Check, Subject: cs.spec.Name, At: staleAt, To: level, Cause: why,
		})
		level, why = cs.component.evaluate()
		changes = cs.component.judge(changes, staleAt, level, why)
	}
	return changes
}

// Freshness counts, per zone, the checks the zone observes now (fresh)
// and those it stopped reporting (stale), for operators.
func (e *Engine) Freshness() map[string]ZoneFreshness {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := map[string]ZoneFreshness{}
	for _, cs := range e.checks {
		for name, zs := range cs.zones {
			f := out[name]
			switch {
			case zs.stale:
				f.Stale++
			case !zs.seen.IsZero():
				f.Fresh++
			}
			out[name] = f
		}
	}
	return out
}

// ZoneFreshness is one zone's count of fresh and stale checks.
type ZoneFreshness struct{ Fresh, Stale int }
