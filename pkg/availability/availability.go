// Package availability turns daily rollups into uptime figures:
// availability = 1 − (major + w·partial) / (period − maintenance − no data),
// with degraded time counting as up.
package availability

import (
	"time"

	"github.com/ampelstatus/ampel/store"
)

// DefaultPartialWeight is the share of partial-outage time counted as
// downtime when no other weight is configured.
const DefaultPartialWeight = 0.3

// Day is one calendar day of one subject in the site's time zone.
type Day struct {
	// Date is midnight at the start of the day.
	Date time.Time
	// Data is false for a day without a rollup row: nothing was observed.
	Data bool
	// Period is the length of the day covered (23–25 h, or midnight to now
	// for today); the other fields split it.
	Period                                            time.Duration
	Up, Degraded, Partial, Major, Maintenance, NoData time.Duration
}

// Observed is the time that counts toward availability: the period
// without maintenance and without data.
func (d Day) Observed() time.Duration { return d.Up + d.Degraded + d.Partial + d.Major }

// Uptime returns the day's availability in [0, 1] with partial weight w,
// and false when nothing was observed that day.
func (d Day) Uptime(w float64) (float64, bool) {
	return Period([]Day{d}, w)
}

// Period returns the availability over the days with partial weight w, and
// false when nothing was observed in any of them.
func Period(days []Day, w float64) (float64, bool) {
	var observed, bad float64
	for _, d := range days {
		observed += float64(d.Observed())
		bad += float64(d.Major) + w*float64(d.Partial)
	}
	if observed <= 0 {
		return 0, false
	}
	u := 1 - bad/observed
	if u < 0 {
		u = 0
	}
	return u, true
}

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
		start := time.Date(y, m, dd-i, 0, 0, 0, 0, loc)
		end := time.Date(y, m, dd-i+1, 0, 0, 0, 0, loc)
		if end.After(now) {
			end = now
		}
		day := Day{Date: start}
		if r, ok := byDate[start.Format(time.DateOnly)]; ok {
			day.Data = true
			day.Up, day.Degraded, day.Partial, day.Major = r.Up, r.Degraded, r.Partial, r.Down
			day.Maintenance, day.NoData = r.Maintenance, r.NoData
			day.Period = r.Up + r.Degraded + r.Partial + r.Down + r.Maintenance + r.NoData
		} else {
			day.Period = max(end.Sub(start), 0)
			day.NoData = day.Period
		}
		out = append(out, day)
	}
	return out
}
