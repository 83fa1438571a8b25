package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// hourMS is an hour in milliseconds.
const hourMS = int64(time.Hour / time.Millisecond)

// floorHour returns the start of the UTC hour that contains v (Unix ms).
func floorHour(v int64) int64 {
	r := v % hourMS
	if r < 0 {
		r += hourMS
	}
	return v - r
}

// LatencyHour aggregates the durations of one check's results in one zone
// during one UTC hour. Only results with outcome up or degraded count.
type LatencyHour struct {
	Check, Zone string
	// Hour is the start of the hour, in UTC.
	Hour time.Time
	// Count is the number of results; Sum their total duration.
	Count int64
	Sum   time.Duration
	// Min, Max, P50 and P95 are exact: P50 and P95 are the nearest-rank
	// percentiles of the hour's durations.
	Min, Max, P50, P95 time.Duration
}

// LatencyHours returns the hourly latency of a check in all its zones for
// the hours starting in [from, to), ordered by hour, then zone. Hours are
// aggregated by BuildRollups once they are complete; an hour without a
// result up or degraded has no entry.
func (s *Store) LatencyHours(ctx context.Context, check string, from, to time.Time) ([]LatencyHour, error) {
	const q = `
SELECT z.name, l.hour_ms, l.count, l.sum_us, l.min_us, l.max_us, l.p50_us, l.p95_us
FROM latency_hourly AS l
JOIN zones AS z ON z.id = l.zone_id
WHERE l.check_id = (SELECT id FROM checks WHERE name = ?1)
  AND l.hour_ms >= ?2 AND l.hour_ms < ?3
ORDER BY l.hour_ms, z.name`
	rows, err := s.rdb.QueryContext(ctx, q, check, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("store: latency of %s: %w", check, err)
	}
	defer rows.Close()
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	var out []LatencyHour
	for rows.Next() {
		h := LatencyHour{Check: check}
		var hour, sum, lo, hi, p50, p95 int64
		if err := rows.Scan(&h.Zone, &hour, &h.Count, &sum, &lo, &hi, &p50, &p95); err != nil {
			return nil, fmt.Errorf("store: latency of %s: %w", check, err)
		}
		h.Hour = fromMS(hour)
		h.Sum, h.Min, h.Max, h.P50, h.P95 = us(sum), us(lo), us(hi), us(p50), us(p95)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: latency of %s: %w", check, err)
	}
	return out, nil
}

// buildLatency aggregates every completed hour from the latency watermark
// on, one hour per transaction.
func (s *Store) buildLatency(ctx context.Context, now time.Time) error {
	end := floorHour(ms(now))
	for {
		done, err := s.latencyStep(ctx, end)
		if err != nil || done {
			return err
		}
	}
}

// latencyStep aggregates the next hour before end that has results, and
// reports whether none is left.
func (s *Store) latencyStep(ctx context.Context, end int64) (done bool, err error) {
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()

	from, ok, err := metaInt(ctx, tx, metaLatencyFrom)
	if err != nil {
		return false, err
	}
	if ok && from >= end {
		return true, nil
	}
	if !ok {
		from = minInt64
	}
	// Hours before the prune horizon may have lost results: keep what
	// was aggregated from them when they were whole.
	if pruned, ok, err := metaInt(ctx, tx, metaPrunedBefore); err != nil {
		return false, err
	} else if ok {
		from = max(from, floorHour(pruned+hourMS-1))
	}
	// Skip the hours without results: one lookup per check.
	const next = `
SELECT min((
	SELECT r.started_at_ms FROM results AS r
	WHERE r.check_id = c.id AND r.started_at_ms >= ?1
	ORDER BY r.started_at_ms
	LIMIT 1))
FROM checks AS c`
	var first sql.NullInt64
	if err := tx.QueryRowContext(ctx, next, from).Scan(&first); err != nil {
		return false, fmt.Errorf("next result: %w", err)
	}
	hour := end
	if first.Valid {
		hour = min(end, floorHour(first.Int64))
	}
	if hour < end {
		if err := aggregateHour(ctx, tx, hour); err != nil {
			return false, err
		}
		hour += hourMS
	}
	if err := s.d.setMeta(ctx, tx, metaLatencyFrom, hour); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit hour: %w", err)
	}
	return hour >= end, nil
}

const minInt64 = -1 << 63

// aggregateHour (re)computes latency_hourly for the hour starting at hour.
func aggregateHour(ctx context.Context, tx *sql.Tx, hour int64) error {
	type group struct{ check, zone int64 }
	// The IN makes SQLite read one range of the key per check.
	const q = `
SELECT check_id, zone_id, duration_us
FROM results
WHERE check_id IN (SELECT id FROM checks)
  AND started_at_ms >= ?1 AND started_at_ms < ?2 AND outcome IN (1, 2)`
	rows, err := tx.QueryContext(ctx, q, hour, hour+hourMS)
	if err != nil {
		return fmt.Errorf("results of hour %d: %w", hour, err)
	}
	defer rows.Close()
	durations := map[group][]int64{}
	for rows.Next() {
		var g group
		var d int64
		if err := rows.Scan(&g.check, &g.zone, &d); err != nil {
			return fmt.Errorf("results of hour %d: %w", hour, err)
		}
		durations[g] = append(durations[g], d)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("results of hour %d: %w", hour, err)
	}

	const upsert = `
INSERT INTO latency_hourly (check_id, zone_id, hour_ms, count, sum_us, min_us, max_us, p50_us, p95_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (check_id, zone_id, hour_ms) DO UPDATE SET
	count = excluded.count, sum_us = excluded.sum_us, min_us = excluded.min_us,
	max_us = excluded.max_us, p50_us = excluded.p50_us, p95_us = excluded.p95_us`
	stmt, err := tx.PrepareContext(ctx, upsert)
	if err != nil {
		return fmt.Errorf("store hour %d: %w", hour, err)
	}
	defer stmt.Close()
	for g, ds := range durations {
		slices.Sort(ds)
		var sum int64
		for _, d := range ds {
			sum += d
		}
		if _, err := stmt.ExecContext(ctx, g.check, g.zone, hour, len(ds), sum,
			ds[0], ds[len(ds)-1], nearestRank(ds, 50), nearestRank(ds, 95)); err != nil {
			return fmt.Errorf("store hour %d: %w", hour, err)
		}
	}
	return nil
}

// nearestRank returns the p-th percentile of sorted by the nearest-rank
// method: the smallest value with at least p % of the values at or below
// it.
func nearestRank(sorted []int64, p int) int64 {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n), 1-based
	return sorted[max(rank, 1)-1]
}
