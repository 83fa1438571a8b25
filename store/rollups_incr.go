package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ampelstatus/ampel/pkg/status"
)

// rebuildSubjects recomputes the rows of day span.d of the subjects keys
// from their last levels of the day before and their changes of the
// span, and replaces their rows, keeping the month's sums exact. The rows
// of every other subject stay as they are.
func rebuildSubjects(ctx context.Context, tx *sql.Tx, span daySpan, keys []subjectKey) error {
	if len(keys) == 0 {
		return nil
	}
	ss, err := prepareSubjectStmts(ctx, tx)
	if err != nil {
		return fmt.Errorf("rebuild subjects of %s: %w", span.d, err)
	}
	defer ss.close()
	for _, k := range keys {
		if err := ss.rebuild(ctx, span, k); err != nil {
			return fmt.Errorf("rebuild %s %s/%s of %s: %w", k.kind, k.subject, k.zone, span.d, err)
		}
	}
	return nil
}

// subjectStmts are the statements rebuildSubjects runs per subject.
type subjectStmts struct {
	rows, changes, upsert, del, month, pruneMonth *sql.Stmt
}

func prepareSubjectStmts(ctx context.Context, tx *sql.Tx) (*subjectStmts, error) {
	const (
		rows = `
SELECT day, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms, last_level
FROM rollups_daily
WHERE kind = ?1 AND subject = ?2 AND zone = ?3 AND day IN (?4, ?5)`
		changes = `
SELECT at_ms, to_level FROM state_changes
WHERE kind = ?1 AND subject = ?2 AND zone = ?3 AND at_ms >= ?4 AND at_ms <= ?5
ORDER BY at_ms, id`
		upsert = `
INSERT INTO rollups_daily (kind, subject, zone, day, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms,
	last_level, open_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)` + setDailyRow
		del   = `DELETE FROM rollups_daily WHERE kind = ?1 AND subject = ?2 AND zone = ?3 AND day = ?4`
		month = `
INSERT INTO rollups_monthly (kind, subject, zone, month, days, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)` + addToMonth
		pruneMonth = `
DELETE FROM rollups_monthly WHERE kind = ?1 AND month = ?2 AND subject = ?3 AND zone = ?4 AND days = 0`
	)
	ss := &subjectStmts{}
	for _, p := range []struct {
		to **sql.Stmt
		q  string
	}{{&ss.rows, rows}, {&ss.changes, changes}, {&ss.upsert, upsert}, {&ss.del, del}, {&ss.month, month}, {&ss.pruneMonth, pruneMonth}} {
		st, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			ss.close()
			return nil, err
		}
		*p.to = st
	}
	return ss, nil
}

func (ss *subjectStmts) close() {
	for _, st := range []*sql.Stmt{ss.rows, ss.changes, ss.upsert, ss.del, ss.month, ss.pruneMonth} {
		if st != nil {
			st.Close()
		}
	}
}

// rebuild recomputes subject k's row of the span's day.
func (ss *subjectStmts) rebuild(ctx context.Context, span daySpan, k subjectKey) error {
	today := span.d.String()
	level, old, err := ss.read(ctx, k, span.d.add(-1).String(), today)
	if err != nil {
		return err
	}
	tl := newTimeline(k, span, level)
	rows, err := ss.changes.QueryContext(ctx, k.kind, k.subject, k.zone, span.start, span.last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		var to string
		if err := rows.Scan(&at, &to); err != nil {
			return err
		}
		l, err := status.ParseLevel(to)
		if err != nil {
			return err
		}
		tl.change(at, l)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	row, keep := tl.finish(span)

	// The month's sums take the difference, and a day more or less.
	var delta [status.Maintenance + 1]int64
	days := 0
	if old != nil {
		for l := range delta {
			delta[l] -= old[l]
		}
		days--
	}
	if keep {
		for l := range delta {
			delta[l] += row.ms[l]
		}
		days++
		if _, err := ss.upsert.ExecContext(ctx, row.args()...); err != nil {
			return err
		}
	} else if old != nil {
		if _, err := ss.del.ExecContext(ctx, k.kind, k.subject, k.zone, today); err != nil {
			return err
		}
	}
	if old == nil && !keep {
		return nil
	}
	month := today[:7]
	if _, err := ss.month.ExecContext(ctx, k.kind, k.subject, k.zone, month, days,
		delta[status.Up], delta[status.Degraded], delta[status.Partial], delta[status.Down],
		delta[status.Maintenance], delta[status.NoData]); err != nil {
		return err
	}
	if days < 0 {
		if _, err := ss.pruneMonth.ExecContext(ctx, k.kind, month, k.subject, k.zone); err != nil {
			return err
		}
	}
	return nil
}

// read returns subject k's last level of the day before (NoData without
// a row) and its sums of the day, nil without a row.
func (ss *subjectStmts) read(ctx context.Context, k subjectKey, before, today string) (status.Level, *[status.Maintenance + 1]int64, error) {
	rows, err := ss.rows.QueryContext(ctx, k.kind, k.subject, k.zone, before, today)
	if err != nil {
		return status.NoData, nil, err
	}
	defer rows.Close()
	level := status.NoData
	var old *[status.Maintenance + 1]int64
	for rows.Next() {
		var d, last string
		var v [status.Maintenance + 1]int64
		if err := rows.Scan(&d, &v[status.Up], &v[status.Degraded], &v[status.Partial], &v[status.Down],
			&v[status.Maintenance], &v[status.NoData], &last); err != nil {
			return status.NoData, nil, err
		}
		switch d {
		case before:
			if level, err = status.ParseLevel(last); err != nil {
				return status.NoData, nil, err
			}
		case today:
			old = &v
		default:
			return status.NoData, nil, errors.New("unexpected day " + d)
		}
	}
	return level, old, rows.Err()
}

// openSums is, for each level, the SQL for the time an open row of
// rollups_daily spends in it after its sums: from open_ms to ?N, the end
// (the day's end, or the last build's now). Zero for a closed row, and
// for the stale open rows of a day after the last build's.
func openSums(end string) (sums [status.Maintenance + 1]string) {
	for l := range sums {
		sums[l] = fmt.Sprintf("CASE WHEN last_level = '%s' AND open_ms < %s THEN %s - open_ms ELSE 0 END",
			status.Level(l), end, end)
	}
	return sums
}

// closeDay ends the open rows of day d at end, its next midnight: their
// open interval goes into their sums and their month's.
func closeDay(ctx context.Context, tx *sql.Tx, d day, end int64) error {
	o := openSums("?2")
	month := `
INSERT INTO rollups_monthly (kind, subject, zone, month, days, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms)
SELECT kind, subject, zone, substr(day, 1, 7), 0, ` + o[status.Up] + `, ` + o[status.Degraded] + `, ` + o[status.Partial] + `,
	` + o[status.Down] + `, ` + o[status.Maintenance] + `, ` + o[status.NoData] + `
FROM rollups_daily
WHERE kind IN ('check_zone', 'check', 'component') AND day = ?1 AND open_ms IS NOT NULL` + addToMonth
	if _, err := tx.ExecContext(ctx, month, d.String(), end); err != nil {
		return fmt.Errorf("close %s: %w", d, err)
	}
	rows := `
UPDATE rollups_daily SET
	up_ms = up_ms + ` + o[status.Up] + `,
	degraded_ms = degraded_ms + ` + o[status.Degraded] + `,
	partial_ms = partial_ms + ` + o[status.Partial] + `,
	down_ms = down_ms + ` + o[status.Down] + `,
	maintenance_ms = maintenance_ms + ` + o[status.Maintenance] + `,
	nodata_ms = nodata_ms + ` + o[status.NoData] + `,
	open_ms = NULL
WHERE kind IN ('check_zone', 'check', 'component') AND day = ?1 AND open_ms IS NOT NULL`
	if _, err := tx.ExecContext(ctx, rows, d.String(), end); err != nil {
		return fmt.Errorf("close %s: %w", d, err)
	}
	return nil
}

// carryDay replaces the rows of the day after d with one open row at its
// start (next) for every subject whose last level of d has data: the day
// as it stands before any change of its own.
func carryDay(ctx context.Context, tx *sql.Tx, d day, next int64) error {
	n := d.add(1)
	if err := replaceDay(ctx, tx, n, nil); err != nil {
		return err
	}
	const q = `
INSERT INTO rollups_daily (kind, subject, zone, day, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms,
	last_level, open_ms)
SELECT kind, subject, zone, ?2, 0, 0, 0, 0, 0, 0, last_level, ?3
FROM rollups_daily
WHERE kind IN ('check_zone', 'check', 'component') AND day = ?1 AND last_level <> 'no_data'`
	if _, err := tx.ExecContext(ctx, q, d.String(), n.String(), next); err != nil {
		return fmt.Errorf("start %s: %w", n, err)
	}
	return addMonthly(ctx, tx, n, 1)
}
