package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// pruneChunk is about how many results one PruneResults transaction
// deletes, and pruneChecks how many checks it visits at most (two
// statements each: at 100,000 checks an hourly pass deletes a few rows a
// check), so the writer waits for a short while at most.
const pruneChunk = 10_000

var pruneChecks = 500

// outcomeCode is how a result's outcome is stored. The codes are spelled
// out rather than taken from the Level's value so a reordering of the
// constants cannot change the meaning of stored rows.
func outcomeCode(l status.Level) int64 {
	switch l {
	case status.Up:
		return 1
	case status.Degraded:
		return 2
	case status.Partial:
		return 3
	case status.Down:
		return 4
	case status.Maintenance:
		return 5
	default:
		return 0
	}
}

func outcomeLevel(code int64) status.Level {
	switch code {
	case 1:
		return status.Up
	case 2:
		return status.Degraded
	case 3:
		return status.Partial
	case 4:
		return status.Down
	case 5:
		return status.Maintenance
	default:
		return status.NoData
	}
}

// ms converts an instant to the stored Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored Unix milliseconds to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// Results returns the results of a check (all zones and instances) that
// started in [from, to), newest first, at most limit of them (no limit when
// limit <= 0).
func (s *Store) Results(ctx context.Context, check string, from, to time.Time, limit int) ([]status.Result, error) {
	if limit <= 0 {
		// Not SQLite's LIMIT -1, which PostgreSQL refuses.
		limit = math.MaxInt64
	}
	const q = `
SELECT z.name, r.instance, r.started_at_ms, r.duration_us, r.outcome, r.reason, r.detail, r.value
FROM results AS r
JOIN zones AS z ON z.id = r.zone_id
WHERE r.check_id = (SELECT id FROM checks WHERE name = ?1)
  AND r.started_at_ms >= ?2 AND r.started_at_ms < ?3
ORDER BY r.started_at_ms DESC, r.zone_id DESC, r.instance DESC
LIMIT ?4`
	rows, err := s.rdb.QueryContext(ctx, q, check, ms(from), ms(to), limit)
	if err != nil {
		return nil, fmt.Errorf("store: results of %s: %w", check, err)
	}
	defer rows.Close()
	var out []status.Result
	for rows.Next() {
		r := status.Result{Check: check}
		if err := scanResult(rows, &r); err != nil {
			return nil, fmt.Errorf("store: results of %s: %w", check, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: results of %s: %w", check, err)
	}
	return out, nil
}

// CountResults returns the number of stored results. It reads the whole
// table: meant for tests and tools, not for every scrape of /metrics.
func (s *Store) CountResults(ctx context.Context) (int64, error) {
	const q = `SELECT count(*) FROM results`
	var n int64
	if err := s.rdb.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count results: %w", err)
	}
	return n, nil
}

// LastResultAt returns when the newest stored result ended (start plus
// duration): the latest end among each check's newest result. ok is false
// when there are no results. It makes one index lookup per check.
func (s *Store) LastResultAt(ctx context.Context) (t time.Time, ok bool, err error) {
	const q = `
SELECT max((
	SELECT r.started_at_ms * 1000 + r.duration_us FROM results AS r
	WHERE r.check_id = c.id
	ORDER BY r.started_at_ms DESC
	LIMIT 1))
FROM checks AS c`
	var endUS sql.NullInt64
	if err := s.rdb.QueryRowContext(ctx, q).Scan(&endUS); err != nil {
		return time.Time{}, false, fmt.Errorf("store: last result: %w", err)
	}
	if !endUS.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMicro(endUS.Int64).UTC(), true, nil
}

// PruneResults deletes the results that started before the given instant
// and returns how many it deleted. It works check by check, about 10,000
// rows a transaction, so the writer is never locked out for long. Rollups
// and latency aggregates are kept; hours before the instant are not
// re-aggregated afterwards.
func (s *Store) PruneResults(ctx context.Context, before time.Time) (int64, error) {
	cut := ms(before)
	if err := s.notePruned(ctx, cut); err != nil {
		return 0, err
	}
	ids, err := s.checkIDs(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: prune results: %w", err)
	}
	var total int64
	for len(ids) > 0 {
		var n int64
		n, ids, err = s.pruneChunk(ctx, ids, cut)
		total += n
		if err != nil {
			return total, fmt.Errorf("store: prune results: %w", err)
		}
	}
	return total, nil
}

// checkIDs returns the ids of all checks ever stored.
func (s *Store) checkIDs(ctx context.Context) ([]int64, error) {
	const q = `SELECT id FROM checks ORDER BY id`
	rows, err := s.rdb.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list checks: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list checks: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list checks: %w", err)
	}
	return ids, nil
}

// pruneChunk deletes, in one transaction, about pruneChunk results that
// started before cut, of at most pruneChecks of the checks in ids in turn. It returns how many it
// deleted and the checks it has not finished.
func (s *Store) pruneChunk(ctx context.Context, ids []int64, cut int64) (deleted int64, rest []int64, err error) {
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return 0, ids, err
	}
	defer tx.Rollback()
	for visited := 0; len(ids) > 0 && deleted < pruneChunk && visited < pruneChecks; visited++ {
		// The last row to delete so this transaction stays near
		// pruneChunk rows; none is found when fewer are left.
		const bound = `
SELECT started_at_ms FROM results
WHERE check_id = ?1 AND started_at_ms < ?2
ORDER BY started_at_ms
LIMIT 1 OFFSET ?3`
		var stop int64
		err := tx.QueryRowContext(ctx, bound, ids[0], cut, pruneChunk-deleted-1).Scan(&stop)
		all := errors.Is(err, sql.ErrNoRows)
		if err != nil && !all {
			return deleted, ids, err
		}
		var res sql.Result
		if all {
			const q = `DELETE FROM results WHERE check_id = ?1 AND started_at_ms < ?2`
			res, err = tx.ExecContext(ctx, q, ids[0], cut)
		} else {
			// Up to and including stop (< cut), so each round deletes at
			// least one row even where results share an instant.
			const q = `DELETE FROM results WHERE check_id = ?1 AND started_at_ms <= ?2`
			res, err = tx.ExecContext(ctx, q, ids[0], stop)
		}
		if err != nil {
			return deleted, ids, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return deleted, ids, err
		}
		deleted += n
		if all {
			ids = ids[1:]
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, ids, err
	}
	return deleted, ids, nil
}

// notePruned records how far results have been pruned, before any is
// deleted: hourly latency must not re-aggregate an hour whose raw results
// are partly gone.
func (s *Store) notePruned(ctx context.Context, cut int64) error {
	q := s.d.pick(`
INSERT INTO meta (key, value) VALUES (?1, ?2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE excluded.value > meta.value`, `
INSERT INTO meta (key, value) VALUES (?1, ?2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
WHERE CAST(excluded.value AS BIGINT) > CAST(meta.value AS BIGINT)`)
	if _, err := s.wdb.ExecContext(ctx, q, metaPrunedBefore, s.d.metaValue(cut)); err != nil {
		return fmt.Errorf("store: prune results: record horizon: %w", err)
	}
	return nil
}

// scanResult reads a row of (lead..., zone name, instance, started_at_ms,
// duration_us, outcome, reason, detail, value) into r.
func scanResult(rows *sql.Rows, r *status.Result, lead ...any) error {
	var startMS, durUS, outcome int64
	var value sql.NullFloat64
	if err := rows.Scan(append(lead, &r.Zone, &r.Instance, &startMS, &durUS, &outcome, &r.Reason, &r.Detail, &value)...); err != nil {
		return err
	}
	r.Start = fromMS(startMS)
	r.Duration = time.Duration(durUS) * time.Microsecond
	r.Outcome = outcomeLevel(outcome)
	r.Value, r.HasValue = value.Float64, value.Valid
	return nil
}
