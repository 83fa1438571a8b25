package ui

import (
	"context"
	"slices"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// todayTail is, by component slug, the time since the last rollup build
// up to now, by level: the still-open interval that today's rollup row
// lacks until the next build (rollups are rebuilt every minute). Adding
// it keeps the bars and percentages of every page and of the API in step
// with the component's state to the second, and gives today a figure in
// the first minute of the day, before any build.
type todayTail struct {
	day  string // 'YYYY-MM-DD' in the site's zone
	tail map[string]store.SpanRollup
}

// openTail reads today's rollup rows and the component changes since the
// earliest of them was built, and extends each component from where its
// row ends (midnight when it has none) to now: through its stored
// changes, then in its current level.
func (s *site) openTail(ctx context.Context, now time.Time) (todayTail, error) {
	day, _ := dayOf(now, s.loc())
	if s.d.Store == nil {
		return todayTail{day: day, tail: map[string]store.SpanRollup{}}, nil
	}
	rows, err := s.d.Store.DailyRollups(ctx, status.Component, day, day)
	if err != nil {
		return todayTail{day: day}, err
	}
	return s.tailAfter(ctx, now, rows, s.d.Engine.Summaries())
}

// dayOf is the day of t in loc as 'YYYY-MM-DD', and its midnight.
func dayOf(t time.Time, loc *time.Location) (string, time.Time) {
	y, m, d := t.In(loc).Date()
	midnight := availability.DayStart(y, m, d, loc)
	return midnight.Format(time.DateOnly), midnight
}

// tailAfter extends each of comps from where its row of today (among
// rows, the rows of today read at one instant) ends, or from midnight
// when it has none, to now: through its stored changes, then in its
// current level. Rows of other days are passed over. One component's
// changes are read alone; the fleet's in one read.
func (s *site) tailAfter(ctx context.Context, now time.Time, rows []store.DayRollup, comps []state.Component) (todayTail, error) {
	day, midnight := dayOf(now, s.loc())
	t := todayTail{day: day, tail: map[string]store.SpanRollup{}}
	if s.d.Store == nil {
		return t, nil
	}
	// Every row of today was written by one build at one instant, so a
	// row's durations end where that build stopped.
	built := map[string]time.Time{}
	from := now
	for _, r := range rows {
		if r.Day != day {
			continue
		}
		at := midnight.Add(r.Up + r.Degraded + r.Partial + r.Down + r.Maintenance + r.NoData)
		built[r.Subject] = at
		from = minTime(from, at)
	}
	for _, comp := range comps {
		if _, ok := built[comp.Slug]; !ok {
			from = midnight
		}
	}
	var changes []status.Change
	var err error
	if len(comps) == 1 {
		changes, err = s.d.Store.Changes(ctx, status.Component, comps[0].Slug, from, now.Add(time.Millisecond))
	} else {
		changes, err = s.d.Store.KindChanges(ctx, status.Component, from, now.Add(time.Millisecond))
	}
	if err != nil {
		return t, err
	}
	bySlug := map[string][]status.Change{}
	for _, c := range changes {
		bySlug[c.Subject] = append(bySlug[c.Subject], c)
	}
	for _, comp := range comps {
		start, ok := built[comp.Slug]
		if !ok {
			start = midnight
		}
		t.tail[comp.Slug] = tailOf(start, now, comp.Level, bySlug[comp.Slug])
	}
	return t, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// tailOf is the time from start to now by level, given the component's
// changes (in time order, some perhaps at or before start, which the
// rollup row already holds) and its level now.
func tailOf(start, now time.Time, current status.Level, changes []status.Change) store.SpanRollup {
	// The level at start: what the last change up to start left, else
	// what the first change after it left from, else the level now.
	tl := availability.Timeline{From: start, To: now, HasStart: true, Start: status.Change{To: current}}
	known := false
	for len(changes) > 0 && !changes[0].At.After(start) {
		tl.Start.To, known = changes[0].To, true
		changes = changes[1:]
	}
	if !known && len(changes) > 0 {
		tl.Start.To = changes[0].From
	}
	tl.Changes = changes
	t := tl.Totals()
	return store.SpanRollup{Up: t.Up, Degraded: t.Degraded, Partial: t.Partial, Down: t.Major, Maintenance: t.Maintenance, NoData: t.NoData}
}

// observed reports whether r holds any time with data.
func observed(r store.SpanRollup) bool {
	return r.Up+r.Degraded+r.Partial+r.Down+r.Maintenance > 0
}

// addToDay extends one component's rows of the last days (oldest first,
// as store.ComponentDays returns them) with its tail: today's row grows,
// or is made when the tail has data.
func (t todayTail) addToDay(slug string, rows []store.DayRollup) []store.DayRollup {
	tl, ok := t.tail[slug]
	if !ok {
		return rows
	}
	if n := len(rows); n > 0 && rows[n-1].Day == t.day {
		// rows are shared (the days memo, the last good read): add to a
		// copy, never to them.
		rows = slices.Clone(rows)
		r := &rows[n-1]
		r.Up += tl.Up
		r.Degraded += tl.Degraded
		r.Partial += tl.Partial
		r.Down += tl.Down
		r.Maintenance += tl.Maintenance
		r.NoData += tl.NoData
		return rows
	}
	if !observed(tl) {
		return rows
	}
	return append(slices.Clip(rows), store.DayRollup{Kind: status.Component, Subject: slug, Day: t.day,
		Up: tl.Up, Degraded: tl.Degraded, Partial: tl.Partial, Down: tl.Down, Maintenance: tl.Maintenance, NoData: tl.NoData})
}
