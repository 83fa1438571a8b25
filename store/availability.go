package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// SpanRollup is the time one subject spent in each level over several
// days, summed from its daily rollups. Days without a row (no data) add
// nothing: the caller knows the span's length.
type SpanRollup struct {
	Subject string
	// Span is the month 'YYYY-MM' for MonthlyRollups, the first day
	// 'YYYY-MM-DD' for SpanRollups.
	Span string
	// Days is how many days had a row.
	Days int

	Up, Degraded, Partial, Down, Maintenance, NoData time.Duration
}

// Add adds o's days and times to r's; Subject and Span stay r's.
func (r *SpanRollup) Add(o SpanRollup) { r.add(o, 1) }

// add adds o's days and times to r's sign times: -1 takes them off.
func (r *SpanRollup) add(o SpanRollup, sign time.Duration) {
	r.Days += int(sign) * o.Days
	r.Up += sign * o.Up
	r.Degraded += sign * o.Degraded
	r.Partial += sign * o.Partial
	r.Down += sign * o.Down
	r.Maintenance += sign * o.Maintenance
	r.NoData += sign * o.NoData
}

// MonthlyRollups sums the daily rollups of every subject of a kind without
// a zone (checks and components) over the days from through to
// ('YYYY-MM-DD', both included) by calendar month of the rollups' time
// zone, ordered by month, then subject. Months the range covers whole are
// read from the monthly sums; for a month cut by the range it reads the
// fewer daily rows: those inside, or those outside to take off the
// month's sum.
func (s *Store) MonthlyRollups(ctx context.Context, kind status.Kind, from, to string) ([]SpanRollup, error) {
	var out []SpanRollup
	err := s.eachMonth(ctx, "monthly rollups", kind, from, to, func(month string, rows []SpanRollup) {
		for _, r := range rows {
			r.Span = month
			out = append(out, r)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SpanRollups sums the daily rollups of every subject of a kind (no
// zone) over the days from through to ('YYYY-MM-DD', both included), one
// row per subject with Span set to from, in the order subjects first
// appear by month. It reads as MonthlyRollups does.
func (s *Store) SpanRollups(ctx context.Context, kind status.Kind, from, to string) ([]SpanRollup, error) {
	total := map[string]int{}
	var out []SpanRollup
	err := s.eachMonth(ctx, "span rollups", kind, from, to, func(_ string, rows []SpanRollup) {
		for _, r := range rows {
			i, ok := total[r.Subject]
			if !ok {
				i = len(out)
				total[r.Subject] = i
				out = append(out, SpanRollup{Subject: r.Subject, Span: from})
			}
			out[i].Add(r)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachMonth calls fn with the sums of each month the range touches,
// oldest first, by subject in subject order, all read in one transaction
// so months and days agree. Its errors say what it reads for.
func (s *Store) eachMonth(ctx context.Context, what string, kind status.Kind, from, to string, fn func(month string, rows []SpanRollup)) error {
	first, err := parseDay(from)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	last, err := parseDay(to)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	_, err = readTx(ctx, s, what, func(tx *sql.Tx) (struct{}, error) {
		return struct{}{}, eachMonthIn(ctx, tx, kind, first, last, fn)
	})
	return err
}

// eachMonthIn is eachMonth's reading in the transaction tx.
func eachMonthIn(ctx context.Context, tx *sql.Tx, kind status.Kind, first, last day, fn func(month string, rows []SpanRollup)) error {
	built, _, err := metaInt(ctx, tx, metaRollupBuilt)
	if err != nil {
		return err
	}
	whole, err := wholeMonths(ctx, tx, kind, built, first, last)
	if err != nil {
		return err
	}
	for m := (day{first.y, first.m, 1}); !last.before(m); m = (day{m.y, m.m + 1, 1}).add(0) {
		month := m.String()[:7]
		end := (day{m.y, m.m + 1, 1}).add(-1)
		lo, hi := later(m, first), earlier(end, last)
		if lo == m && hi == end {
			fn(month, whole[month])
			continue
		}
		rows, err := monthSums(ctx, tx, kind, built, m, end, lo, hi)
		if err != nil {
			return err
		}
		fn(month, rows)
	}
	return nil
}

// wholeMonths reads, in one query and one for today's open rows, the sums
// of the months that the days first through last cover whole, by month.
func wholeMonths(ctx context.Context, tx *sql.Tx, kind status.Kind, built int64, first, last day) (map[string][]SpanRollup, error) {
	from := day{first.y, first.m, 1}
	if from != first {
		from = (day{first.y, first.m + 1, 1}).add(0)
	}
	to := (day{last.y, last.m + 1, 1}).add(-1)
	if to != last {
		to = (day{last.y, last.m, 1}).add(-1)
	}
	out := map[string][]SpanRollup{}
	if to.before(from) {
		return out, nil
	}
	const q = `
SELECT month, subject, days, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms
FROM rollups_monthly
WHERE kind = ?1 AND month >= ?2 AND month <= ?3 AND zone = ''
ORDER BY month, subject`
	rows, err := tx.QueryContext(ctx, q, kind.String(), from.String()[:7], to.String()[:7])
	if err != nil {
		return nil, fmt.Errorf("months %s to %s: %w", from, to, err)
	}
	defer rows.Close()
	for rows.Next() {
		var month string
		r, err := scanSum(rows, &month)
		if err != nil {
			return nil, fmt.Errorf("months %s to %s: %w", from, to, err)
		}
		out[month] = append(out[month], r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("months %s to %s: %w", from, to, err)
	}
	if err := addOpen(ctx, tx, kind, built, from, to, out); err != nil {
		return nil, err
	}
	return out, nil
}

func msDur(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

func later(a, b day) day {
	if a.before(b) {
		return b
	}
	return a
}

func earlier(a, b day) day {
	if a.before(b) {
		return a
	}
	return b
}

// daysFrom counts the days from a through b, both included.
func daysFrom(a, b day) int {
	ta := time.Date(a.y, a.m, a.d, 12, 0, 0, 0, time.UTC)
	tb := time.Date(b.y, b.m, b.d, 12, 0, 0, 0, time.UTC)
	return int(tb.Sub(ta)/(24*time.Hour)) + 1
}
