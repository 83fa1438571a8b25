package store

import (
	"fmt"
	"time"
)

// day is a calendar day, independent of any time zone.
type day struct {
	y int
	m time.Month
	d int
}

// dayOf returns the day that contains t in loc.
func dayOf(t time.Time, loc *time.Location) day {
	y, m, d := t.In(loc).Date()
	return day{y, m, d}
}

// parseDay parses 'YYYY-MM-DD'.
func parseDay(s string) (day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return day{}, fmt.Errorf("day %q: want YYYY-MM-DD", s)
	}
	return dayOf(t, time.UTC), nil
}

// String formats the day as 'YYYY-MM-DD', as rollups_daily stores it.
func (d day) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d)
}

// add returns the day n days later (earlier for a negative n).
func (d day) add(n int) day {
	// Noon UTC normalises the date arithmetic without any zone's gaps.
	return dayOf(time.Date(d.y, d.m, d.d+n, 12, 0, 0, 0, time.UTC), time.UTC)
}

func (d day) before(o day) bool {
	if d.y != o.y {
		return d.y < o.y
	}
	if d.m != o.m {
		return d.m < o.m
	}
	return d.d < o.d
}

// start returns the first instant of the day in loc: its midnight, or,
// where the clocks skip midnight (America/Santiago, Asia/Beirut), the
// moment the skip ends. time.Date alone answers with an instant of the day
// before there.
func (d day) start(loc *time.Location) time.Time {
	t := time.Date(d.y, d.m, d.d, 0, 0, 0, 0, loc)
	if dayOf(t, loc) != d {
		if _, end := t.ZoneBounds(); !end.IsZero() && dayOf(end, loc) == d {
			return end
		}
	}
	return t
}
