package state

import (
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// The causes Ampel records when it stops observing: a clean stop, and the
// close a start writes for a process that could not (a crash, a leader
// that died). A subject whose latest change is one of them was last seen
// at the change's From level.
const (
	CauseStopped    = "Ampel stopped"
	CauseNotRunning = "no data: Ampel was not running"
)

// held is the level a subject showed before Ampel stopped observing it
// (a restart, a failover to another node), shown again until the
// subject's own first verdict since, or until its checks would have gone
// stale. The history records the gap as no data; only the view holds,
// so no component flips to "no data" because a process changed.
type held struct {
	level status.Level
	since time.Time
	cause string
	until time.Time
}

// shown is what a view says of the subject: its level, or the held one
// while it has none of its own yet.
func (s subject) shown() (status.Level, time.Time, string) {
	if s.level == status.NoData && s.held != nil {
		return s.held.level, s.held.since, s.held.cause
	}
	return s.level, s.since, s.cause
}

// Restart starts the engine over from the recorded history: everything
// back to no data, the recorded timelines' ends as Resume takes them
// (latest, after the closes of the gap), and each subject's level before
// the gap held (see held) until its first verdict, or until now plus the
// time its checks take to go stale. It runs in one step, so a page read
// meanwhile sees the held levels, never an empty engine. A node that
// becomes leader calls it, whatever its engine showed as a follower.
func (e *Engine) Restart(latest []status.Change, now time.Time) {
	fresh := New(e.cfg)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.checks, e.components, e.order = fresh.checks, fresh.components, fresh.order
	e.resume(latest)
	last := map[subjectKey]status.Change{}
	for _, c := range latest {
		last[subjectKey{c.Kind, c.Subject, c.Zone}] = c // the latest wins
	}
	for _, c := range last {
		level := c.To
		if level == status.NoData && gap(c) {
			level = c.From
		}
		if level == status.NoData {
			continue
		}
		if cur := e.subjectOf(c); cur != nil {
			cur.held = &held{level: level, since: c.At, cause: c.Cause, until: now.Add(e.holdFor(c))}
			e.holding = true
		}
	}
}

// gap reports whether c closes what Ampel observed because it stopped
// observing: a clean stop, or the close of a process that died.
func gap(c status.Change) bool {
	return c.To == status.NoData && (c.Cause == CauseStopped || c.Cause == CauseNotRunning)
}

// gapHold is the level a follower mirroring c at now holds: the level c
// closed when c is a gap, until its checks would go stale from now (when
// the follower learns of the gap, as the leader that recorded it holds
// from its takeover); nil when c is not a gap. Called with mu held.
func (e *Engine) gapHold(c status.Change, now time.Time) *held {
	if !gap(c) || c.From == status.NoData {
		return nil
	}
	e.holding = true
	return &held{level: c.From, since: c.At, cause: c.Cause, until: now.Add(e.holdFor(c))}
}

// subjectOf is the subject c is about; nil when the engine does not know
// it. Called with mu held.
func (e *Engine) subjectOf(c status.Change) *subject {
	switch c.Kind {
	case status.CheckZone:
		if cs := e.checks[c.Subject]; cs != nil && cs.zones[c.Zone] != nil {
			return &cs.zones[c.Zone].cur
		}
	case status.Check:
		if cs := e.checks[c.Subject]; cs != nil {
			return &cs.cur
		}
	case status.Component:
		if comp := e.components[c.Subject]; comp != nil {
			return &comp.cur
		}
	}
	return nil
}

// takeoverGrace is how much later than its checks' interval a zone's
// first result after a takeover may arrive: a remote zone's agent learns
// of the new leader only on its next push, retries a refused one after
// the server's Retry-After (2–5 s), and sends its spool's backlog before
// its newest result.
const takeoverGrace = 10 * time.Second

// holdFor is how long a subject holds its level from a gap on, unless a
// result extends it (see keepHeld): the time its checks take to go stale,
// plus takeoverGrace. Called with mu held.
func (e *Engine) holdFor(c status.Change) time.Duration {
	return e.staleAfterOf(c) + takeoverGrace
}

// keepHeld extends what the zone, its check and its component hold while
// results keep arriving: a zone that reports, but has not had enough
// results since the gap for its thresholds to give a verdict, is not
// stale, so it goes on showing its level rather than no data. Called with
// mu held.
func (e *Engine) keepHeld(cs *checkState, zs *zoneState, r status.Result) {
	until := r.Start.Add(staleAfter(cs.spec))
	for _, s := range []*subject{&zs.cur, &cs.cur, &cs.component.cur} {
		if s.held != nil && until.After(s.held.until) {
			s.held.until = until
		}
	}
}

// staleAfterOf is how long the checks behind c's subject stay fresh
// without a result: a component's longest. Called with mu held.
func (e *Engine) staleAfterOf(c status.Change) time.Duration {
	if c.Kind == status.Component {
		var d time.Duration
		if comp := e.components[c.Subject]; comp != nil {
			for _, cs := range comp.checks {
				d = max(d, staleAfter(cs.spec))
			}
		}
		return d
	}
	if cs := e.checks[c.Subject]; cs != nil {
		return staleAfter(cs.spec)
	}
	return 0
}

type subjectKey struct {
	kind          status.Kind
	subject, zone string
}

// expireHeld drops the held levels whose time is up. Called with mu held,
// every second by Tick: it walks the subjects only while some may hold
// (after a restart or a takeover), not at 100,000 checks all day long.
func (e *Engine) expireHeld(now time.Time) {
	if !e.holding {
		return
	}
	e.holding = false
	drop := func(s *subject) {
		if s.held != nil && now.After(s.held.until) {
			s.held = nil
		}
		if s.held != nil {
			e.holding = true
		}
	}
	for _, comp := range e.order {
		drop(&comp.cur)
		for _, cs := range comp.checks {
			drop(&cs.cur)
			for _, z := range cs.zones {
				drop(&z.cur)
			}
		}
	}
}
