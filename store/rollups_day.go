package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ampelstatus/ampel/pkg/status"
)

// lastLevels returns the level at the end of day d of every subject with
// a row that day: the level it starts the next day in. A subject without
// a row spent the day in NoData, and starts the next in it.
func lastLevels(ctx context.Context, tx *sql.Tx, d day) (map[subjectKey]status.Level, error) {
	const q = `
SELECT kind, subject, zone, last_level
FROM rollups_daily
WHERE kind IN ('check_zone', 'check', 'component') AND day = ?1`
	rows, err := tx.QueryContext(ctx, q, d.String())
	if err != nil {
		return nil, fmt.Errorf("levels at the end of %s: %w", d, err)
	}
	defer rows.Close()
	levels := map[subjectKey]status.Level{}
	for rows.Next() {
		var k subjectKey
		var last string
		if err := rows.Scan(&k.kind, &k.subject, &k.zone, &last); err != nil {
			return nil, fmt.Errorf("levels at the end of %s: %w", d, err)
		}
		if levels[k], err = status.ParseLevel(last); err != nil {
			return nil, fmt.Errorf("levels at the end of %s: %w", d, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("levels at the end of %s: %w", d, err)
	}
	return levels, nil
}

// rollupRow is one row of rollups_daily; ms holds the milliseconds spent
// in each level, indexed by status.Level, up to openMS when open (today's
// row), and last is the level at the row's end.
type rollupRow struct {
	key    subjectKey
	day    string
	ms     [status.Maintenance + 1]int64
	last   status.Level
	open   bool
	openMS int64
}

// timeline folds one subject's changes of a day into its row.
type timeline struct {
	row    *rollupRow
	cursor int64
}

func newTimeline(k subjectKey, span daySpan, level status.Level) *timeline {
	return &timeline{row: &rollupRow{key: k, day: span.d.String(), last: level}, cursor: span.start}
}

// change moves the subject to level l at at.
func (tl *timeline) change(at int64, l status.Level) {
	tl.row.ms[tl.row.last] += at - tl.cursor
	tl.row.last, tl.cursor = l, at
}

// finish ends the row at span.end (open from the last change when the
// span is open) and reports whether it has a row: whether the span had
// any time with data.
func (tl *timeline) finish(span daySpan) (*rollupRow, bool) {
	r := tl.row
	if span.open {
		r.open, r.openMS = true, tl.cursor
	} else {
		r.ms[r.last] += span.end - tl.cursor
	}
	nodata := r.ms[status.NoData]
	if r.open && r.last == status.NoData {
		nodata += span.end - tl.cursor
	}
	return r, nodata < span.end-span.start
}

// computeDay folds the changes of the span into a row per subject,
// starting from levels, and returns the rows of the subjects with any
// time with data.
func computeDay(ctx context.Context, tx *sql.Tx, span daySpan, levels map[subjectKey]status.Level) ([]*rollupRow, error) {
	lines := make(map[subjectKey]*timeline, len(levels))
	var order []*timeline
	line := func(k subjectKey) *timeline {
		tl := lines[k]
		if tl == nil {
			tl = newTimeline(k, span, levels[k])
			lines[k] = tl
			order = append(order, tl)
		}
		return tl
	}
	for k := range levels {
		line(k)
	}

	const q = `
SELECT kind, subject, zone, at_ms, to_level
FROM state_changes
WHERE at_ms >= ?1 AND at_ms <= ?2
ORDER BY at_ms, id`
	rows, err := tx.QueryContext(ctx, q, span.start, span.last)
	if err != nil {
		return nil, fmt.Errorf("changes of %s: %w", span.d, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k subjectKey
		var at int64
		var to string
		if err := rows.Scan(&k.kind, &k.subject, &k.zone, &at, &to); err != nil {
			return nil, fmt.Errorf("changes of %s: %w", span.d, err)
		}
		l, err := status.ParseLevel(to)
		if err != nil {
			return nil, fmt.Errorf("changes of %s: %w", span.d, err)
		}
		line(k).change(at, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes of %s: %w", span.d, err)
	}

	var out []*rollupRow
	for _, tl := range order {
		if r, ok := tl.finish(span); ok {
			out = append(out, r)
		}
	}
	return out, nil
}
