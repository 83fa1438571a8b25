package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// ChangeBefore returns the last change of one subject without a zone (a check or component)
// before at: the level it was in at at. ok is false when it had none:
// monitoring had not begun.
func (s *Store) ChangeBefore(ctx context.Context, kind status.Kind, subject string, at time.Time) (c status.Change, ok bool, err error) {
	const q = `
SELECT kind, subject, zone, at_ms, from_level, to_level, cause
FROM state_changes
WHERE kind = ?1 AND subject = ?2 AND zone = '' AND at_ms < ?3
ORDER BY at_ms DESC, id DESC
LIMIT 1`
	rows, err := s.rdb.QueryContext(ctx, q, kind.String(), subject, ms(at))
	if err != nil {
		return c, false, fmt.Errorf("store: change before %s of %s %s: %w", at, kind, subject, err)
	}
	got, err := scanChanges(rows)
	if err != nil {
		return c, false, fmt.Errorf("store: change before %s of %s %s: %w", at, kind, subject, err)
	}
	if len(got) == 0 {
		return c, false, nil
	}
	return got[0], true, nil
}
