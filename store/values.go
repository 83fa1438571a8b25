package store

import (
	"context"
	"fmt"
	"time"
)

// ValueHour aggregates the measured values (status.Result.Value) of one
// check's results during one UTC hour, across its zones and instances.
type ValueHour struct {
	// Hour is the start of the hour, in UTC.
	Hour time.Time
	// Count is the number of results with a value.
	Count         int64
	Min, Avg, Max float64
}

// ValueHours returns the hourly values of a check for the results that
// started in [from, to), ordered by hour; an hour without a value has no
// entry. It reads the raw results, so the hour still under way is
// included and nothing older than the retention is.
func (s *Store) ValueHours(ctx context.Context, check string, from, to time.Time) ([]ValueHour, error) {
	// One range of the primary key; rows without a value are skipped.
	const q = `
SELECT started_at_ms / ?4 * ?4 AS hour_ms, count(value), min(value), avg(value), max(value)
FROM results
WHERE check_id = (SELECT id FROM checks WHERE name = ?1)
  AND started_at_ms >= ?2 AND started_at_ms < ?3
  AND value IS NOT NULL
GROUP BY hour_ms
ORDER BY hour_ms`
	rows, err := s.rdb.QueryContext(ctx, q, check, ms(from), ms(to), hourMS)
	if err != nil {
		return nil, fmt.Errorf("store: values of %s: %w", check, err)
	}
	defer rows.Close()
	var out []ValueHour
	for rows.Next() {
		var h ValueHour
		var hour int64
		if err := rows.Scan(&hour, &h.Count, &h.Min, &h.Avg, &h.Max); err != nil {
			return nil, fmt.Errorf("store: values of %s: %w", check, err)
		}
		h.Hour = fromMS(hour)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: values of %s: %w", check, err)
	}
	return out, nil
}
