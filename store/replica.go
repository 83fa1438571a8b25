package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// StoredChange is a state change with its id: ids grow in the order the
// changes were stored (one writer stores them, in commit order).
type StoredChange struct {
	ID int64
	status.Change
}

// LastChangeID returns the id of the newest stored change; 0 when there
// is none.
func (s *Store) LastChangeID(ctx context.Context) (int64, error) {
	const q = `SELECT coalesce(max(id), 0) FROM state_changes`
	var id int64
	if err := s.rdb.QueryRowContext(ctx, q).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: last change id: %w", err)
	}
	return id, nil
}

// ChangesAfter returns the changes stored after the one with id after,
// in the order stored, at most limit of them: what a follower has not
// applied yet.
func (s *Store) ChangesAfter(ctx context.Context, after int64, limit int) ([]StoredChange, error) {
	const q = `
SELECT id, kind, subject, zone, at_ms, from_level, to_level, cause
FROM state_changes
WHERE id > ?1
ORDER BY id
LIMIT ?2`
	rows, err := s.rdb.QueryContext(ctx, q, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: changes after %d: %w", after, err)
	}
	defer rows.Close()
	var out []StoredChange
	for rows.Next() {
		var (
			c              StoredChange
			atMS           int64
			kind, from, to string
		)
		if err := rows.Scan(&c.ID, &kind, &c.Subject, &c.Zone, &atMS, &from, &to, &c.Cause); err != nil {
			return nil, fmt.Errorf("store: changes after %d: %w", after, err)
		}
		if c.Kind, err = status.ParseKind(kind); err != nil {
			return nil, fmt.Errorf("store: changes after %d: %w", after, err)
		}
		if c.From, err = status.ParseLevel(from); err != nil {
			return nil, fmt.Errorf("store: changes after %d: %w", after, err)
		}
		if c.To, err = status.ParseLevel(to); err != nil {
			return nil, fmt.Errorf("store: changes after %d: %w", after, err)
		}
		c.At = fromMS(atMS)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: changes after %d: %w", after, err)
	}
	return out, nil
}

// ResultsFrom returns the results of every check that started at or
// after from, oldest first: what a follower shows of the latest results.
// It reads each check's range of the results key, so it costs the rows
// it returns, whatever the history holds.
func (s *Store) ResultsFrom(ctx context.Context, from time.Time) ([]status.Result, error) {
	const q = `
SELECT c.name, z.name, r.instance, r.started_at_ms, r.duration_us, r.outcome, r.reason, r.detail, r.value
FROM checks AS c
JOIN results AS r ON r.check_id = c.id AND r.started_at_ms >= ?1
JOIN zones AS z ON z.id = r.zone_id
ORDER BY r.started_at_ms, c.id, r.zone_id, r.instance`
	rows, err := s.rdb.QueryContext(ctx, q, ms(from))
	if err != nil {
		return nil, fmt.Errorf("store: results from %s: %w", from, err)
	}
	defer rows.Close()
	var out []status.Result
	for rows.Next() {
		var r status.Result
		if err := scanResult(rows, &r, &r.Check); err != nil {
			return nil, fmt.Errorf("store: results from %s: %w", from, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: results from %s: %w", from, err)
	}
	return out, nil
}
