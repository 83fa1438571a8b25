package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// EnqueueReminders enqueues a reminder for every scheduled window that
// starts within lead of now, to the subscribers of its components, once
// per start time (a rescheduled window is reminded of again). Windows
// whose subscribers were never told of them stay quiet, and so do those
// announced less than lead before their start: the announcement was the
// reminder. It returns the number of rows written.
func (s *Store) EnqueueReminders(ctx context.Context, lead time.Duration, now time.Time) (int64, error) {
	// The NOT EXISTS keeps the repeated call cheap once a window's rows
	// are in (the unique key's index starts with event_key).
	const q = `
INSERT INTO outbox (event_key, subscriber_id, kind, object_type, object_id, update_id, created_at_ms, next_attempt_at_ms)
SELECT 'maintenance:' || m.id || ':reminder:' || m.scheduled_for_ms, s.id, 'maintenance.reminder', 'maintenance', m.id, 0, ?1, ?1
FROM maintenances m CROSS JOIN subscribers s
WHERE m.status = 'scheduled' AND m.scheduled_for_ms > ?1 AND m.scheduled_for_ms <= ?1 + ?2
  AND EXISTS (SELECT 1 FROM maintenance_updates u WHERE u.maintenance_id = m.id
              AND u.deliver_notifications = 1 AND u.created_at_ms <= m.scheduled_for_ms - ?2)
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_key = 'maintenance:' || m.id || ':reminder:' || m.scheduled_for_ms)
  AND ` + activeSQL + `
  AND (s.all_components = 1
       OR NOT EXISTS (SELECT 1 FROM maintenance_components mc WHERE mc.maintenance_id = m.id)
       OR EXISTS (SELECT 1 FROM maintenance_components mc JOIN subscriber_components sc ON sc.component = mc.component
                  WHERE mc.maintenance_id = m.id AND sc.subscriber_id = s.id))
ON CONFLICT (event_key, subscriber_id) DO NOTHING`
	var n int64
	err := s.mailTx(ctx, "enqueue reminders", func(tx *sql.Tx, mailed *bool) error {
		res, err := tx.ExecContext(ctx, q, ms(now), lead.Milliseconds())
		if err != nil {
			return fmt.Errorf("store: enqueue reminders: %w", err)
		}
		n, err = res.RowsAffected()
		*mailed = n > 0
		return err
	})
	return n, err
}
