// Package availability computes uptime against the SLO:
// availability = 1 − (major + w·partial) / (period − maintenance − no data),
// with degraded time counting as up. The same figures come from daily
// rollups (what reports read) and from a subject's raw state changes
// (what a breakdown lists and what the rollups are checked against).
package availability

import (
	"time"
)

// DefaultPartialWeight is the share of partial-outage time counted as
// downtime when no other weight is configured.
const DefaultPartialWeight = 0.3

// Totals is the time a subject spent in each level over a period. The
// levels add up to Period.
type Totals struct {
	Period                                            time.Duration
	Up, Degraded, Partial, Major, Maintenance, NoData time.Duration
}

// Observed is the time that counts toward availability: the period
// without maintenance and without data.
func (t Totals) Observed() time.Duration { return t.Up + t.Degraded + t.Partial + t.Major }

// Bad is the downtime counted against availability: major outage time
// plus w times partial outage time.
func (t Totals) Bad(w float64) time.Duration {
	return t.Major + time.Duration(w*float64(t.Partial))
}

// Availability returns the share of observed time up, in [0, 1], with
// partial weight w, and false when nothing was observed.
func (t Totals) Availability(w float64) (float64, bool) {
	observed := float64(t.Observed())
	if observed <= 0 {
		return 0, false
	}
	u := 1 - (float64(t.Major)+w*float64(t.Partial))/observed
	return min(max(u, 0), 1), true
}

// Add returns the sum of t and o.
func (t Totals) Add(o Totals) Totals {
	return Totals{
		Period: t.Period + o.Period, Up: t.Up + o.Up, Degraded: t.Degraded + o.Degraded,
		Partial: t.Partial + o.Partial, Major: t.Major + o.Major,
		Maintenance: t.Maintenance + o.Maintenance, NoData: t.NoData + o.NoData,
	}
}

// Day is one calendar day of one subject in the site's time zone.
type Day struct {
	// Date is midnight at the start of the day.
	Date time.Time
	// Data is false for a day without a rollup row: nothing was observed.
	Data bool
	// Totals covers the day (23–25 h, or midnight to now for today).
	Totals
}

// Uptime returns the day's availability in [0, 1] with partial weight w,
// and false when nothing was observed that day.
func (d Day) Uptime(w float64) (float64, bool) { return d.Availability(w) }

// Period returns the availability over the days with partial weight w, and
// false when nothing was observed in any of them.
func Period(days []Day, w float64) (float64, bool) {
	var sum Totals
	for _, d := range days {
		sum = sum.Add(d.Totals)
	}
	return sum.Availability(w)
}
