package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// DayRollup is the time one subject spent in each level during one day.
// The durations of a completed day add up to the day's length (23, 24 or
// 25 hours); today's add up to the time from midnight to the now of the
// last BuildRollups.
type DayRollup struct {
	Kind status.Kind
	// Subject is the check name or component slug; Zone is set for
	// CheckZone only.
	Subject, Zone string
	// Day is 'YYYY-MM-DD' in the time zone given to BuildRollups.
	Day string

	// The time spent in each level, to the millisecond.
	Up, Degraded, Partial, Down, Maintenance, NoData time.Duration
}

// subjectKey names one timeline.
type subjectKey struct{ kind, subject, zone string }

// BuildRollups brings the daily rollups and the hourly latency aggregates
// up to date, incrementally.
//
// Daily: it recomputes, for every subject, the days from its watermark
// through today (today's row covers midnight to now) and advances the
// watermark to today's midnight. A subject's level from one change until
// the next is that change's To; before its first change it is NoData,
// after its last it holds until now. Days before a subject's first change,
// and days spent entirely in NoData, have no row. Changes committed later
// with an earlier time lower the watermark, so their days are recomputed
// by the next call. Another loc than the previous call's rebuilds all days.
//
// Hourly: it aggregates the completed UTC hours of raw results since its
// watermark (see LatencyHours).
//
// It works in one short transaction per day and per hour on the writer
// connection, taking turns with the Writer.
func (s *Store) BuildRollups(ctx context.Context, loc *time.Location, now time.Time) error {
	if loc == nil {
		return errors.New("store: build rollups: nil location")
	}
	b := dailyBuild{s: s, loc: loc, nowMS: ms(now)}
	for {
		done, err := b.step(ctx)
		if err != nil {
			return fmt.Errorf("store: build daily rollups: %w", err)
		}
		if done {
			break
		}
	}
	if err := s.buildLatency(ctx, now); err != nil {
		return fmt.Errorf("store: build latency: %w", err)
	}
	return nil
}

// dailyBuild is one BuildRollups pass over the days.
type dailyBuild struct {
	s     *Store
	loc   *time.Location
	nowMS int64
	// carry holds the levels at carryAt (ms) of every subject with a row
	// the day before, as computed by the previous step; valid while the
	// watermark is still where that step left it.
	carry   map[subjectKey]status.Level
	carryAt int64
}

// step recomputes the day the watermark is in, in one transaction, and
// reports whether it was the last day to do.
func (b *dailyBuild) step(ctx context.Context) (done bool, err error) {
	tx, err := b.s.beginWrite(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()

	if err := b.checkZone(ctx, tx); err != nil {
		return false, err
	}
	from, ok, err := metaInt(ctx, tx, metaRollupFrom)
	if err != nil {
		return false, err
	}
	if !ok {
		// First build: start at the oldest change.
		const q = `SELECT min(at_ms) FROM state_changes`
		var first sql.NullInt64
		if err := tx.QueryRowContext(ctx, q).Scan(&first); err != nil {
			return false, fmt.Errorf("oldest change: %w", err)
		}
		if !first.Valid {
			return true, nil
		}
		from = first.Int64
	}
	d := dayOf(fromMS(from), b.loc)
	start, next := ms(d.start(b.loc)), ms(d.add(1).start(b.loc))
	if start > b.nowMS {
		return true, nil
	}

	levels := b.carry
	if levels == nil || b.carryAt != start {
		if levels, err = startLevels(ctx, tx, d, start); err != nil {
			return false, err
		}
	}
	// A complete day takes the changes before the next midnight; today
	// those up to now, which last no time but set the level at now.
	end, last := next, next-1
	if b.nowMS < next {
		end, last = b.nowMS, b.nowMS
	}
	rows, ends, err := b.computeDay(ctx, tx, d, start, end, last, levels)
	if err != nil {
		return false, err
	}
	if err := replaceDay(ctx, tx, d, rows); err != nil {
		return false, err
	}
	complete := next <= b.nowMS
	wm := start
	if complete {
		wm = next
	}
	if err := b.s.d.setMeta(ctx, tx, metaRollupFrom, wm); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit %s: %w", d, err)
	}
	b.carry, b.carryAt = ends, next
	return !complete, nil
}

// checkZone starts over when the rollups were built in another zone:
// their days have other boundaries.
func (b *dailyBuild) checkZone(ctx context.Context, tx *sql.Tx) error {
	zone, err := metaText(ctx, tx, metaRollupZone)
	if err != nil {
		return err
	}
	if zone == b.loc.String() {
		return nil
	}
	const clearRows = `DELETE FROM rollups_daily`
	if _, err := tx.ExecContext(ctx, clearRows); err != nil {
		return fmt.Errorf("clear rollups: %w", err)
	}
	const clearMonths = `DELETE FROM rollups_monthly`
	if _, err := tx.ExecContext(ctx, clearMonths); err != nil {
		return fmt.Errorf("clear rollups: %w", err)
	}
	const clearFrom = `DELETE FROM meta WHERE key = ?1`
	if _, err := tx.ExecContext(ctx, clearFrom, metaRollupFrom); err != nil {
		return fmt.Errorf("clear rollups: %w", err)
	}
	b.carry = nil
	return b.s.d.setMeta(ctx, tx, metaRollupZone, b.loc.String())
}

// startLevels returns the level at the start of day d of every subject
// that had a change before it: those are the subjects with a row the day
// before (a subject's rows run without a gap from its first change, bar
// days wholly in NoData, which start the next day in NoData as well).
func startLevels(ctx context.Context, tx *sql.Tx, d day, start int64) (map[subjectKey]status.Level, error) {
	const q = `
SELECT r.kind, r.subject, r.zone, (
	SELECT c.to_level FROM state_changes AS c
	WHERE c.kind = r.kind AND c.subject = r.subject AND c.zone = r.zone AND c.at_ms < ?2
	ORDER BY c.at_ms DESC, c.id DESC
	LIMIT 1)
FROM rollups_daily AS r
WHERE r.kind IN ('check_zone', 'check', 'component') AND r.day = ?1`
	rows, err := tx.QueryContext(ctx, q, d.add(-1).String(), start)
	if err != nil {
		return nil, fmt.Errorf("levels at %s: %w", d, err)
	}
	defer rows.Close()
	levels := map[subjectKey]status.Level{}
	for rows.Next() {
		var k subjectKey
		var to sql.NullString
		if err := rows.Scan(&k.kind, &k.subject, &k.zone, &to); err != nil {
			return nil, fmt.Errorf("levels at %s: %w", d, err)
		}
		l, err := status.ParseLevel(to.String)
		if err != nil && to.Valid {
			return nil, fmt.Errorf("levels at %s: %w", d, err)
		}
		levels[k] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("levels at %s: %w", d, err)
	}
	return levels, nil
}

// rollupRow is one row of rollups_daily; ms holds the milliseconds spent
// in each level, indexed by status.Level.
type rollupRow struct {
	key subjectKey
	day string
	ms  [status.Maintenance + 1]int64
}

// computeDay folds the changes from start through last of day d into a
// row per subject covering [start, end), starting from levels. It returns
// the rows, and the level at end of each subject that has a row: the
// subjects startLevels finds for the next day.
func (b *dailyBuild) computeDay(ctx context.Context, tx *sql.Tx, d day, start, end, last int64, levels map[subjectKey]status.Level) ([]*rollupRow, map[subjectKey]status.Level, error) {
	type timeline struct {
		row    *rollupRow
		level  status.Level
		cursor int64
	}
	lines := make(map[subjectKey]*timeline, len(levels))
	var order []*timeline
	line := func(k subjectKey) *timeline {
		tl := lines[k]
		if tl == nil {
			tl = &timeline{row: &rollupRow{key: k, day: d.String()}, level: levels[k], cursor: start}
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
	rows, err := tx.QueryContext(ctx, q, start, last)
	if err != nil {
		return nil, nil, fmt.Errorf("changes of %s: %w", d, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k subjectKey
		var at int64
		var to string
		if err := rows.Scan(&k.kind, &k.subject, &k.zone, &at, &to); err != nil {
			return nil, nil, fmt.Errorf("changes of %s: %w", d, err)
		}
		l, err := status.ParseLevel(to)
		if err != nil {
			return nil, nil, fmt.Errorf("changes of %s: %w", d, err)
		}
		tl := line(k)
		tl.row.ms[tl.level] += at - tl.cursor
		tl.level, tl.cursor = l, at
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("changes of %s: %w", d, err)
	}

	var out []*rollupRow
	ends := make(map[subjectKey]status.Level, len(order))
	for _, tl := range order {
		tl.row.ms[tl.level] += end - tl.cursor
		if tl.row.ms[status.NoData] < end-start {
			out = append(out, tl.row)
			ends[tl.row.key] = tl.level
		}
	}
	return out, ends, nil
}
