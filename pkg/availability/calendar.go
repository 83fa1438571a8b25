package availability

import (
	"time"
)

// Span is a period of whole days in the site's time zone: from the start
// of its first day to the start of the day after its last, or to now when
// that is earlier (the current month so far).
type Span struct {
	// FirstDay and LastDay are 'YYYY-MM-DD', both included: the rollup
	// days the span covers.
	FirstDay, LastDay string
	// From and To bound the span's time; Full is the length it has once
	// over (the whole month), which the error budget is based on.
	From, To time.Time
	Full     time.Duration
}

// Length is the time the span covers so far.
func (s Span) Length() time.Duration { return max(s.To.Sub(s.From), 0) }

// Running says the span is not over yet: it covers less than its Full.
func (s Span) Running() bool { return s.Length() < s.Full }

// DayStart returns the first instant of a day in loc: its midnight, or,
// where the clocks skip midnight (America/Santiago), the moment the skip
// ends. Day and month overflow normalise as in time.Date.
func DayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	// Normalise the date first: noon is never skipped.
	ny, nm, nd := time.Date(y, m, d, 12, 0, 0, 0, loc).Date()
	if ty, tm, td := t.Date(); ty != ny || tm != nm || td != nd {
		if _, end := t.ZoneBounds(); !end.IsZero() {
			return end
		}
	}
	return t
}

// DaysSpan returns the span of the days first through last in loc (their
// dates as they read, whatever their zone), cut at now. now is truncated
// to the millisecond, the precision of the history.
func DaysSpan(first, last time.Time, loc *time.Location, now time.Time) Span {
	now = now.Truncate(time.Millisecond)
	fy, fm, fd := first.Date()
	ly, lm, ld := last.Date()
	from := DayStart(fy, fm, fd, loc)
	end := DayStart(ly, lm, ld+1, loc)
	return Span{
		FirstDay: from.Format(time.DateOnly), LastDay: DayStart(ly, lm, ld, loc).Format(time.DateOnly),
		From: from, To: minTime(end, now), Full: end.Sub(from),
	}
}

// Month returns the span of a calendar month in loc, cut at now.
func Month(y int, m time.Month, loc *time.Location, now time.Time) Span {
	first := time.Date(y, m, 1, 12, 0, 0, 0, time.UTC)
	last := time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC)
	return DaysSpan(first, last, loc, now)
}

// Months returns the month of now in loc and the n months before it,
// newest first.
func Months(now time.Time, loc *time.Location, n int) []Span {
	y, m, _ := now.In(loc).Date()
	out := make([]Span, 0, n+1)
	for i := 0; i <= n; i++ {
		out = append(out, Month(y, m-time.Month(i), loc, now))
	}
	return out
}

// LastDays returns the span of the last n days up to and including the
// day of now in loc.
func LastDays(now time.Time, loc *time.Location, n int) Span {
	y, m, d := now.In(loc).Date()
	first := time.Date(y, m, d-n+1, 12, 0, 0, 0, time.UTC)
	last := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	return DaysSpan(first, last, loc, now)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
