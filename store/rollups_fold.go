package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ampelstatus/ampel/pkg/status"
)

// lookupMax is the most subjects whose rows foldChanges reads one by one;
// for more it reads every row of the day.
const lookupMax = 5_000

// foldChanges moves the open rows of the span's day forward through the
// changes in [from, span.last]: the time from open_ms to each change
// goes to last_level's sum and the month's, and the row is open from the
// change in its level. It computes in Go and writes many rows a
// statement, so a clean stop's change of every subject costs a few
// hundred statements. It returns the subjects it cannot fold, which
// rebuildSubjects recomputes: those without an open row that day, and
// those with a change at or before where their row is open from (stored
// late, or sharing the instant of the change the row took last).
func foldChanges(ctx context.Context, tx *sql.Tx, span daySpan, from int64) ([]subjectKey, error) {
	changes, order, err := changesIn(ctx, tx, from, span.last)
	if err != nil || len(order) == 0 {
		return nil, err
	}
	rows, err := openRows(ctx, tx, span.d, order)
	if err != nil {
		return nil, err
	}
	var refold []subjectKey
	var daily, monthly [][]any
	month := span.d.String()[:7]
	for _, k := range order {
		r, cs := rows[k], changes[k]
		if r == nil || cs[0].at <= r.openMS {
			refold = append(refold, k)
			continue
		}
		var delta [status.Maintenance + 1]int64
		for _, c := range cs {
			delta[r.last] += c.at - r.openMS
			r.ms[r.last] += c.at - r.openMS
			r.last, r.openMS = c.to, c.at
		}
		daily = append(daily, r.args())
		monthly = append(monthly, []any{k.kind, k.subject, k.zone, month, 0,
			delta[status.Up], delta[status.Degraded], delta[status.Partial], delta[status.Down],
			delta[status.Maintenance], delta[status.NoData]})
	}
	if err := insertValues(ctx, tx, "rollups_daily", rollupColumns, daily, setDailyRow); err != nil {
		return nil, fmt.Errorf("fold changes into %s: %w", span.d, err)
	}
	if err := insertValues(ctx, tx, "rollups_monthly", monthColumns, monthly, addToMonth); err != nil {
		return nil, fmt.Errorf("fold changes into %s: %w", span.d, err)
	}
	return refold, nil
}

// monthColumns are the columns of rollups_monthly, and addToMonth the
// upsert that adds a row of them to the month's sums.
var monthColumns = []string{"kind", "subject", "zone", "month", "days", "up_ms", "degraded_ms", "partial_ms",
	"down_ms", "maintenance_ms", "nodata_ms"}

const addToMonth = `
ON CONFLICT (kind, month, subject, zone) DO UPDATE SET
	days = rollups_monthly.days + excluded.days,
	up_ms = rollups_monthly.up_ms + excluded.up_ms,
	degraded_ms = rollups_monthly.degraded_ms + excluded.degraded_ms,
	partial_ms = rollups_monthly.partial_ms + excluded.partial_ms,
	down_ms = rollups_monthly.down_ms + excluded.down_ms,
	maintenance_ms = rollups_monthly.maintenance_ms + excluded.maintenance_ms,
	nodata_ms = rollups_monthly.nodata_ms + excluded.nodata_ms`

// setDailyRow is the upsert that replaces a row of rollups_daily.
const setDailyRow = `
ON CONFLICT (kind, subject, zone, day) DO UPDATE SET
	up_ms = excluded.up_ms, degraded_ms = excluded.degraded_ms, partial_ms = excluded.partial_ms,
	down_ms = excluded.down_ms, maintenance_ms = excluded.maintenance_ms, nodata_ms = excluded.nodata_ms,
	last_level = excluded.last_level, open_ms = excluded.open_ms`

// levelChange is one stored change of a subject: at, to.
type levelChange struct {
	at int64
	to status.Level
}

// changesIn returns the changes in [from, last] by subject, each in
// order, and the subjects in the order of their first change.
func changesIn(ctx context.Context, tx *sql.Tx, from, last int64) (map[subjectKey][]levelChange, []subjectKey, error) {
	const q = `
SELECT kind, subject, zone, at_ms, to_level FROM state_changes
WHERE at_ms >= ?1 AND at_ms <= ?2
ORDER BY at_ms, id`
	rows, err := tx.QueryContext(ctx, q, from, last)
	if err != nil {
		return nil, nil, fmt.Errorf("changes since %d: %w", from, err)
	}
	defer rows.Close()
	out := map[subjectKey][]levelChange{}
	var order []subjectKey
	for rows.Next() {
		var k subjectKey
		var c levelChange
		var to string
		if err := rows.Scan(&k.kind, &k.subject, &k.zone, &c.at, &to); err != nil {
			return nil, nil, fmt.Errorf("changes since %d: %w", from, err)
		}
		if c.to, err = status.ParseLevel(to); err != nil {
			return nil, nil, fmt.Errorf("changes since %d: %w", from, err)
		}
		if _, ok := out[k]; !ok {
			order = append(order, k)
		}
		out[k] = append(out[k], c)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("changes since %d: %w", from, err)
	}
	return out, order, nil
}

// openRows returns the open rows of day d of the subjects keys: one by
// one for a few, all of the day's for many.
func openRows(ctx context.Context, tx *sql.Tx, d day, keys []subjectKey) (map[subjectKey]*rollupRow, error) {
	const cols = `kind, subject, zone, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms, last_level, open_ms`
	out := map[subjectKey]*rollupRow{}
	scan := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			r := &rollupRow{day: d.String(), open: true}
			var last string
			if err := rows.Scan(&r.key.kind, &r.key.subject, &r.key.zone, &r.ms[status.Up], &r.ms[status.Degraded],
				&r.ms[status.Partial], &r.ms[status.Down], &r.ms[status.Maintenance], &r.ms[status.NoData],
				&last, &r.openMS); err != nil {
				return err
			}
			var err error
			if r.last, err = status.ParseLevel(last); err != nil {
				return err
			}
			out[r.key] = r
		}
		return rows.Err()
	}
	if len(keys) > lookupMax {
		const q = `SELECT ` + cols + ` FROM rollups_daily
WHERE kind IN ('check_zone', 'check', 'component') AND day = ?1 AND open_ms IS NOT NULL`
		rows, err := tx.QueryContext(ctx, q, d.String())
		if err == nil {
			err = scan(rows)
		}
		if err != nil {
			return nil, fmt.Errorf("open rows of %s: %w", d, err)
		}
		return out, nil
	}
	const q = `SELECT ` + cols + ` FROM rollups_daily
WHERE kind = ?1 AND subject = ?2 AND zone = ?3 AND day = ?4 AND open_ms IS NOT NULL`
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("open rows of %s: %w", d, err)
	}
	defer stmt.Close()
	for _, k := range keys {
		rows, err := stmt.QueryContext(ctx, k.kind, k.subject, k.zone, d.String())
		if err == nil {
			err = scan(rows)
		}
		if err != nil {
			return nil, fmt.Errorf("open rows of %s: %w", d, err)
		}
	}
	return out, nil
}
