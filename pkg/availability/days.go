package availability

import (
	"time"

	"github.com/ampelstatus/ampel/store"
)

// Days returns the last n days up to and including the day of now in loc,
// oldest first, filled from rows (one subject's rollups, as
// store.ComponentDays returns them). A day without a row is a day with no
// data, its whole length counted as NoData.
func Days(rows []store.DayRollup, loc *time.Location, now time.Time, n int) []Day {
	if loc == nil {
		loc = time.UTC
	}
	byDate := make(map[string]store.DayRollup, len(rows))
	for _, r := range rows {
		byDate[r.Day] = r
	}
	y, m, dd := now.In(loc).Date()
	out := make([]Day, 0, n)
	for i := n - 1; i >= 0; i-- {
		start := DayStart(y, m, dd-i, loc)
		end := minTime(DayStart(y, m, dd-i+1, loc), now)
		day := Day{Date: start}
		if r, ok := byDate[start.Format(time.DateOnly)]; ok {
			day.Data = true
			day.Totals = totalsOf(r)
		} else {
			day.Period = max(end.Sub(start), 0)
			day.NoData = day.Period
		}
		out = append(out, day)
	}
	return out
}

// totalsOf is one rollup row's time per level.
func totalsOf(r store.DayRollup) Totals {
	t := Totals{Up: r.Up, Degraded: r.Degraded, Partial: r.Partial, Major: r.Down, Maintenance: r.Maintenance, NoData: r.NoData}
	t.Period = t.Observed() + t.Maintenance + t.NoData
	return t
}
