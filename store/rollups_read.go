package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// replaceDay replaces the rows of day d with rows. Deleting first matters:
// a change stored late can leave a subject with no row for a day it had
// one.
func replaceDay(ctx context.Context, tx *sql.Tx, d day, rows []*rollupRow) error {
	if err := addMonthly(ctx, tx, d, -1); err != nil {
		return err
	}
	const del = `
DELETE FROM rollups_daily
WHERE kind IN ('check_zone', 'check', 'component') AND day = ?1`
	if _, err := tx.ExecContext(ctx, del, d.String()); err != nil {
		return fmt.Errorf("replace rollups of %s: %w", d, err)
	}
	if len(rows) == 0 {
		return nil
	}
	// Many rows a statement: PostgreSQL takes 201,001 rows in 81
	// statements instead of a round trip each.
	values := make([][]any, len(rows))
	for i, r := range rows {
		values[i] = r.args()
	}
	if err := insertValues(ctx, tx, "rollups_daily", rollupColumns, values, ""); err != nil {
		return fmt.Errorf("replace rollups of %s: %w", d, err)
	}
	return addMonthly(ctx, tx, d, 1)
}

// rollupColumns are the columns of rollups_daily, in rollupRow.args's
// order.
var rollupColumns = []string{"kind", "subject", "zone", "day", "up_ms", "degraded_ms", "partial_ms", "down_ms",
	"maintenance_ms", "nodata_ms", "last_level", "open_ms"}

// args are r's columns in rollupColumns's order.
func (r *rollupRow) args() []any {
	open := sql.NullInt64{Int64: r.openMS, Valid: r.open}
	return []any{r.key.kind, r.key.subject, r.key.zone, r.day,
		r.ms[status.Up], r.ms[status.Degraded], r.ms[status.Partial], r.ms[status.Down],
		r.ms[status.Maintenance], r.ms[status.NoData], r.last.String(), open}
}

// DailyRollups returns the rollups of all subjects of a kind for the days
// from through to ('YYYY-MM-DD', both included), ordered by subject, zone
// and day, as the last BuildRollups left them. Days without a row are
// days with no data.
func (s *Store) DailyRollups(ctx context.Context, kind status.Kind, from, to string) ([]DayRollup, error) {
	if _, err := parseDay(from); err != nil {
		return nil, fmt.Errorf("store: daily rollups: %w", err)
	}
	if _, err := parseDay(to); err != nil {
		return nil, fmt.Errorf("store: daily rollups: %w", err)
	}
	return readTx(ctx, s, "daily rollups", func(tx *sql.Tx) ([]DayRollup, error) {
		return dailyRollups(ctx, tx, kind, from, to)
	})
}

// dailyRollups is DailyRollups's reading in the transaction tx; open rows
// end at the last build's now.
func dailyRollups(ctx context.Context, tx *sql.Tx, kind status.Kind, from, to string) ([]DayRollup, error) {
	built, _, err := metaInt(ctx, tx, metaRollupBuilt)
	if err != nil {
		return nil, err
	}
	o := openSums("?4")
	q := `
SELECT subject, zone, day, up_ms + ` + o[status.Up] + `, degraded_ms + ` + o[status.Degraded] + `,
	partial_ms + ` + o[status.Partial] + `, down_ms + ` + o[status.Down] + `,
	maintenance_ms + ` + o[status.Maintenance] + `, nodata_ms + ` + o[status.NoData] + `
FROM rollups_daily
WHERE kind = ?1 AND day >= ?2 AND day <= ?3
ORDER BY subject, zone, day`
	rows, err := tx.QueryContext(ctx, q, kind.String(), from, to, built)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayRollup
	for rows.Next() {
		r := DayRollup{Kind: kind}
		var up, degraded, partial, down, maint, nodata int64
		if err := rows.Scan(&r.Subject, &r.Zone, &r.Day, &up, &degraded, &partial, &down, &maint, &nodata); err != nil {
			return nil, err
		}
		r.Up = time.Duration(up) * time.Millisecond
		r.Degraded = time.Duration(degraded) * time.Millisecond
		r.Partial = time.Duration(partial) * time.Millisecond
		r.Down = time.Duration(down) * time.Millisecond
		r.Maintenance = time.Duration(maint) * time.Millisecond
		r.NoData = time.Duration(nodata) * time.Millisecond
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ComponentDays returns the rollups of every component for the last days
// days up to and including today (the day of now in loc), by component
// slug, oldest day first. It reads rollups only: today is as of the last
// BuildRollups, and a day without a row (no data) is absent from a slice.
func (s *Store) ComponentDays(ctx context.Context, loc *time.Location, now time.Time, days int) (map[string][]DayRollup, error) {
	out := map[string][]DayRollup{}
	if days <= 0 {
		return out, nil
	}
	if loc == nil {
		return nil, errors.New("store: component days: nil location")
	}
	today := dayOf(now, loc)
	rows, err := s.DailyRollups(ctx, status.Component, today.add(1-days).String(), today.String())
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.Subject] = append(out[r.Subject], r)
	}
	return out, nil
}
