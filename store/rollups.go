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
// Daily: a subject's level from one change until the next is that
// change's To; before its first change it is NoData, after its last it
// holds until now. Days before a subject's first change, and days spent
// entirely in NoData, have no row. A build rewrites only the rows of the
// subjects with a change since the last build's now (the watermark;
// changes committed later with an earlier time lower it), from their day
// on; every other subject's row of today stays as it is, its sums ending
// where its last change left it, and readers add the time from there to
// the last build's now. A day's end closes its rows and starts the next
// day's from their last levels: the one build a day that writes a row of
// every subject. Another loc than the previous call's rebuilds all days.
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

// incrementalMax is the most subjects changed since the last build that a
// build rewrites one by one; beyond it, it rewrites the whole day, which
// is cheaper per subject.
const incrementalMax = 20_000

// dailyBuild is one BuildRollups pass over the days.
type dailyBuild struct {
	s     *Store
	loc   *time.Location
	nowMS int64
}

// step brings the day the watermark is in up to date, in one transaction,
// and reports whether it was the last day to do.
func (b *dailyBuild) step(ctx context.Context) (done bool, err error) {
	tx, err := b.s.beginWrite(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()

	if err := b.checkZone(ctx, tx); err != nil {
		return false, err
	}
	if b.s.d == postgresDialect {
		// A writer lowering the watermark waits for this step, so its
		// change is either read here or found by the next build.
		const lock = `SELECT value FROM meta WHERE key = ?1 FOR UPDATE`
		if _, err := tx.ExecContext(ctx, lock, metaRollupFrom); err != nil {
			return false, fmt.Errorf("lock %s: %w", metaRollupFrom, err)
		}
	}
	from, ok, err := metaInt(ctx, tx, metaRollupFrom)
	if err != nil {
		return false, err
	}
	built, hasBuilt, err := metaInt(ctx, tx, metaRollupBuilt)
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
		from, hasBuilt = first.Int64, false
	}
	d := dayOf(fromMS(from), b.loc)
	start, next := ms(d.start(b.loc)), ms(d.add(1).start(b.loc))
	if start > b.nowMS {
		return true, nil
	}
	// A complete day takes the changes before the next midnight; today
	// those up to now, which last no time but set the level at now.
	span := daySpan{d: d, start: start, end: next, last: next - 1}
	if b.nowMS < next {
		span.end, span.last, span.open = b.nowMS, b.nowMS, true
	}

	// The rows of d are up to date but for the changes since the
	// watermark, unless nothing was built yet, or built was after now (a
	// clock set back), or on an earlier day. A build at a midnight left
	// the new day to the next build (see below): start it now.
	if hasBuilt && built == start-1 {
		if err := carryDay(ctx, tx, d.add(-1), start); err != nil {
			return false, err
		}
		built = start
	}
	full := !hasBuilt || built > b.nowMS || dayOf(fromMS(built), b.loc).before(d)
	if !full {
		var refold []subjectKey
		if refold, err = foldChanges(ctx, tx, span, from); err != nil {
			return false, err
		}
		// Past incrementalMax, one rewrite of the day is cheaper.
		if full = len(refold) > incrementalMax; !full {
			err = rebuildSubjects(ctx, tx, span, refold)
		}
	}
	if full {
		err = b.rebuildDay(ctx, tx, span)
	}
	if err != nil {
		return false, err
	}
	// The watermark is the first instant whose changes are not folded in.
	wm, builtTo, done := span.last+1, b.nowMS, span.open
	switch {
	case b.nowMS == next:
		// Now is the next midnight: the new day has no time yet, and
		// no row. The next build starts it (built one before it says
		// so).
		if err := closeDay(ctx, tx, d, next); err != nil {
			return false, err
		}
		builtTo, done = next-1, true
	case !span.open:
		if err := closeDay(ctx, tx, d, next); err != nil {
			return false, err
		}
		if err := carryDay(ctx, tx, d, next); err != nil {
			return false, err
		}
		builtTo = next
	}
	if err := b.s.d.setMeta(ctx, tx, metaRollupFrom, wm); err != nil {
		return false, err
	}
	if err := b.s.d.setMeta(ctx, tx, metaRollupBuilt, builtTo); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit %s: %w", d, err)
	}
	return done, nil
}

// daySpan is the part of day d one step computes: [start, end), taking
// the changes from start through last; open for today (end is now).
type daySpan struct {
	d                day
	start, end, last int64
	open             bool
}

// rebuildDay recomputes every subject's row of the day from the last
// levels of the day before and the day's changes, and replaces the day's
// rows with them.
func (b *dailyBuild) rebuildDay(ctx context.Context, tx *sql.Tx, span daySpan) error {
	levels, err := lastLevels(ctx, tx, span.d.add(-1))
	if err != nil {
		return err
	}
	rows, err := computeDay(ctx, tx, span, levels)
	if err != nil {
		return err
	}
	return replaceDay(ctx, tx, span.d, rows)
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
	const clearFrom = `DELETE FROM meta WHERE key IN (?1, ?2)`
	if _, err := tx.ExecContext(ctx, clearFrom, metaRollupFrom, metaRollupBuilt); err != nil {
		return fmt.Errorf("clear rollups: %w", err)
	}
	return b.s.d.setMeta(ctx, tx, metaRollupZone, b.loc.String())
}
