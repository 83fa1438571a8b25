package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/ampelstatus/ampel/pkg/status"
)

// monthSums returns, in subject order, the sums of the days lo through hi
// of the month start through end.
func monthSums(ctx context.Context, tx *sql.Tx, kind status.Kind, built int64, start, end, lo, hi day) ([]SpanRollup, error) {
	inside := daysFrom(lo, hi)
	if inside <= daysFrom(start, end)-inside {
		return dailySums(ctx, tx, kind, built, lo, hi)
	}
	sums, err := monthRows(ctx, tx, kind, built, start, end)
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
		rows, err := dailySums(ctx, tx, kind, built, out[0], out[1])
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

// monthRows reads the sums of the month of the days start through end.
func monthRows(ctx context.Context, tx *sql.Tx, kind status.Kind, built int64, start, end day) ([]SpanRollup, error) {
	month := start.String()[:7]
	const q = `
SELECT subject, days, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms
FROM rollups_monthly
WHERE kind = ?1 AND month = ?2 AND zone = ''
ORDER BY subject`
	rows, err := tx.QueryContext(ctx, q, kind.String(), month)
	if err != nil {
		return nil, fmt.Errorf("month %s: %w", month, err)
	}
	sums, err := scanSums(rows)
	if err != nil {
		return nil, fmt.Errorf("month %s: %w", month, err)
	}
	err = addOpen(ctx, tx, kind, built, start, end, map[string][]SpanRollup{month: sums})
	return sums, err
}

// addOpen adds to the monthly sums (by month, each in subject order) the
// time the open rows of the days lo through hi spend after their sums:
// the monthly sums hold the daily rows' sums only.
func addOpen(ctx context.Context, tx *sql.Tx, kind status.Kind, built int64, lo, hi day, months map[string][]SpanRollup) error {
	o := openSums("?4")
	q := `
SELECT substr(day, 1, 7), subject, 0, ` + o[status.Up] + `, ` + o[status.Degraded] + `, ` + o[status.Partial] + `,
	` + o[status.Down] + `, ` + o[status.Maintenance] + `, ` + o[status.NoData] + `
FROM rollups_daily
WHERE kind = ?1 AND day >= ?2 AND day <= ?3 AND zone = '' AND open_ms IS NOT NULL`
	rows, err := tx.QueryContext(ctx, q, kind.String(), lo.String(), hi.String(), built)
	if err != nil {
		return fmt.Errorf("open days %s to %s: %w", lo, hi, err)
	}
	defer rows.Close()
	for rows.Next() {
		var month string
		open, err := scanSum(rows, &month)
		if err != nil {
			return fmt.Errorf("open days %s to %s: %w", lo, hi, err)
		}
		sums := months[month]
		i, ok := slices.BinarySearchFunc(sums, open.Subject, func(r SpanRollup, s string) int { return strings.Compare(r.Subject, s) })
		if ok {
			sums[i].add(open, 1)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open days %s to %s: %w", lo, hi, err)
	}
	return nil
}

// dailySums sums the daily rows of the days lo through hi by subject,
// the open rows up to built.
func dailySums(ctx context.Context, tx *sql.Tx, kind status.Kind, built int64, lo, hi day) ([]SpanRollup, error) {
	o := openSums("?4")
	q := `
SELECT subject, count(*), sum(up_ms + ` + o[status.Up] + `), sum(degraded_ms + ` + o[status.Degraded] + `),
	sum(partial_ms + ` + o[status.Partial] + `), sum(down_ms + ` + o[status.Down] + `),
	sum(maintenance_ms + ` + o[status.Maintenance] + `), sum(nodata_ms + ` + o[status.NoData] + `)
FROM rollups_daily
WHERE kind = ?1 AND day >= ?2 AND day <= ?3 AND zone = ''
GROUP BY subject
ORDER BY subject`
	rows, err := tx.QueryContext(ctx, q, kind.String(), lo.String(), hi.String(), built)
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
