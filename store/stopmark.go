package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// metaStoppedAt is when a clean stop ended observation (Unix ms), kept
// while the changes that close every subject at that instant are not
// stored (see Writer.WriteStop).
const metaStoppedAt = "stopped_at_ms"

// StoppedAt returns when a clean stop ended observation whose closing
// changes it could not store: a start closes every open subject then,
// with the stop's cause, as the stop would have (see WriteRecovery).
func (s *Store) StoppedAt(ctx context.Context) (time.Time, bool, error) {
	at, ok, err := metaInt(ctx, s.rdb, metaStoppedAt)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	return fromMS(at), true, nil
}

// recordStops records, in the batch's transaction, the stops its items
// record and the closes that end them, in their order.
func (s *Store) recordStops(ctx context.Context, tx *sql.Tx, items []*item) error {
	for _, it := range items {
		if it.stoppedAt != 0 {
			if err := s.d.setMeta(ctx, tx, metaStoppedAt, it.stoppedAt); err != nil {
				return err
			}
		}
		if it.clearStop {
			const q = `DELETE FROM meta WHERE key = ?1`
			if _, err := tx.ExecContext(ctx, q, metaStoppedAt); err != nil {
				return fmt.Errorf("clear %s: %w", metaStoppedAt, err)
			}
		}
	}
	return nil
}
