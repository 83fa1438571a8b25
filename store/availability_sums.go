package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ampelstatus/ampel/pkg/status"
)

// monthSums returns, in subject order, the sums of the days lo through hi
// of the month start through end.
func monthSums(ctx context.Context, tx *sql.Tx, kind status.Kind, start, end, lo, hi day) ([]SpanRollup, error) {
	inside := daysFrom(lo, hi)
	if inside <= daysFrom(start, end)-inside {
		return dailySums(ctx, tx, kind, lo, hi)
	}
	sums, err := monthRows(ctx, tx, kind, start.String()[:7])
	if err != nil {
		return nil, err
	}
	at := make(map[string]int, len(sums))
	for i, r := range sums {
		at[r.Subject] = i
	}
	for _, out := range [][2]day{{start, lo.add(-1)}, {hi.add(1), end}} {
		if out[1].before(out[0]) {
			continue
		}
		rows, err := dailySums(ctx, tx, kind, out[0], out[1])
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			// Every day's row is in its month's sum.
			if i, ok := at[r.Subject]; ok {
				sums[i].add(r, -1)
			}
		}
	}
	kept := sums[:0]
	for _, r := range sums {
		if r.Days > 0 {
			kept = append(kept, r)
		}
	}
	return kept, nil
}

// monthRows reads one month's sums.
func monthRows(ctx context.Context, tx *sql.Tx, kind status.Kind, month string) ([]SpanRollup, error) {
	const q = `
SELECT subject, days, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms
FROM rollups_monthly
WHERE kind = ?1 AND month = ?2 AND zone = ''
ORDER BY subject`
	rows, err := tx.QueryContext(ctx, q, kind.String(), month)
	if err != nil {
		return nil, fmt.Errorf("month %s: %w", month, err)
	}
	return scanSums(rows)
}

// dailySums sums the daily rows of the days lo through hi by subject.
func dailySums(ctx context.Context, tx *sql.Tx, kind status.Kind, lo, hi day) ([]SpanRollup, error) {
	const q = `
SELECT subject, count(*), sum(up_ms), sum(degraded_ms), sum(partial_ms), sum(down_ms), sum(maintenance_ms), sum(nodata_ms)
FROM rollups_daily
WHERE kind = ?1 AND day >= ?2 AND day <= ?3 AND zone = ''
GROUP BY subject
ORDER BY subject`
	rows, err := tx.QueryContext(ctx, q, kind.String(), lo.String(), hi.String())
	if err != nil {
		return nil, fmt.Errorf("days %s to %s: %w", lo, hi, err)
	}
	return scanSums(rows)
}

// scanSums reads rows of (subject, days, six sums in ms) and closes them.
func scanSums(rows *sql.Rows) ([]SpanRollup, error) {
	defer rows.Close()
	var out []SpanRollup
	for rows.Next() {
		r, err := scanSum(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// scanSum reads the columns lead points to, then subject, days and the
// six sums in ms of one row.
func scanSum(row scanner, lead ...any) (SpanRollup, error) {
	var r SpanRollup
	var ms [6]int64
	dest := append(lead, &r.Subject, &r.Days, &ms[0], &ms[1], &ms[2], &ms[3], &ms[4], &ms[5])
	if err := row.Scan(dest...); err != nil {
		return SpanRollup{}, err
	}
	r.Up, r.Degraded, r.Partial = msDur(ms[0]), msDur(ms[1]), msDur(ms[2])
	r.Down, r.Maintenance, r.NoData = msDur(ms[3]), msDur(ms[4]), msDur(ms[5])
	return r, nil
}
