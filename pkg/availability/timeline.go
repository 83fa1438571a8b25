package availability

import (
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Timeline is one subject's status history over a period, from raw state
// changes: the level at From (Start's To; NoData when there was no change
// before From, so monitoring had not begun) and the changes in [From, To),
// in time order.
type Timeline struct {
	From, To time.Time
	// Start is the last change before From; HasStart is false when there
	// was none.
	Start    status.Change
	HasStart bool
	Changes  []status.Change
}

// segment is a stretch of one level with the change that began it.
type segment struct {
	from, to time.Time
	level    status.Level
	cause    status.Change
	// known is false for the stretch before the first change.
	known bool
}

// segments cuts the timeline into stretches of one level each.
func (tl Timeline) segments() []segment {
	cur := segment{from: tl.From, level: status.NoData, cause: tl.Start, known: tl.HasStart}
	if tl.HasStart {
		cur.level = tl.Start.To
	}
	var out []segment
	for _, c := range tl.Changes {
		at := c.At
		if at.Before(tl.From) || !at.Before(tl.To) {
			continue
		}
		if at.After(cur.from) {
			cur.to = at
			out = append(out, cur)
		}
		cur = segment{from: at, level: c.To, cause: c, known: true}
	}
	if tl.To.After(cur.from) {
		cur.to = tl.To
		out = append(out, cur)
	}
	return out
}

// Totals sums the time the timeline spent in each level.
func (tl Timeline) Totals() Totals {
	t := Totals{Period: max(tl.To.Sub(tl.From), 0)}
	for _, s := range tl.segments() {
		d := s.to.Sub(s.from)
		switch s.level {
		case status.Up:
			t.Up += d
		case status.Degraded:
			t.Degraded += d
		case status.Partial:
			t.Partial += d
		case status.Down:
			t.Major += d
		case status.Maintenance:
			t.Maintenance += d
		default:
			t.NoData += d
		}
	}
	return t
}

// Outage is one stretch of partial or major outage, with the changes
// within it that say why: the checks and zones, or the incident.
type Outage struct {
	From, To       time.Time
	Major, Partial time.Duration
	// Ongoing is true when the outage lasts to the end of the period.
	Ongoing bool
	// Causes are the changes in order: the one that began the outage
	// (or the one before the period, if it began earlier) and every
	// change between partial and major within it.
	Causes []status.Change
}

// Bad is the outage's downtime with partial weight w, weighed as
// availability weighs it.
func (o Outage) Bad(w float64) time.Duration {
	return Totals{Major: o.Major, Partial: o.Partial}.Bad(w)
}

// Outages lists the timeline's stretches of partial or major outage.
func (tl Timeline) Outages() []Outage {
	var out []Outage
	var cur *Outage
	for _, s := range tl.segments() {
		if s.level != status.Partial && s.level != status.Down {
			cur = nil
			continue
		}
		if cur == nil {
			out = append(out, Outage{From: s.from})
			cur = &out[len(out)-1]
		}
		cur.To = s.to
		if s.level == status.Down {
			cur.Major += s.to.Sub(s.from)
		} else {
			cur.Partial += s.to.Sub(s.from)
		}
		cur.Causes = append(cur.Causes, s.cause)
	}
	if n := len(out); n > 0 && out[n-1].To.Equal(tl.To) {
		out[n-1].Ongoing = true
	}
	return out
}

// Stretch is a run of one level: a maintenance window or a time without
// data, with the change that began it.
type Stretch struct {
	From, To time.Time
	Level    status.Level
	// Cause began the stretch; Known is false for the time before the
	// first change (monitoring had not begun).
	Cause status.Change
	Known bool
}

// Excluded lists the stretches the availability leaves out: maintenance
// and no data, adjacent parts of the same level joined.
func (tl Timeline) Excluded() []Stretch {
	var out []Stretch
	for _, s := range tl.segments() {
		if s.level != status.Maintenance && s.level != status.NoData {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Level == s.level && out[n-1].To.Equal(s.from) {
			out[n-1].To = s.to
			continue
		}
		out = append(out, Stretch{From: s.from, To: s.to, Level: s.level, Cause: s.cause, Known: s.known})
	}
	return out
}
