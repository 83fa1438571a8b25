package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Alert is one row of the alert outbox.
type Alert struct {
	ID int64
	// EventID is the same for every attempt of the alert; Seq numbers its
	// repeats (0 for the first).
	EventID string
	Seq     int
	Channel string
	// Subject is AlertSubject of the change; Kind AlertTrigger,
	// AlertResolve or AlertTest.
	Subject, Kind string
	From, To      status.Level
	Cause         string
	// At is when the change happened, Created when it was queued, Due
	// when it is to be sent (next).
	At, Created, Due time.Time
	Repeat           time.Duration
	Attempts         int
	// FirstTry is when it was first tried; zero before.
	FirstTry time.Time
}

// AlertAttempt is one request to a channel, carrying one alert or a
// group of them.
type AlertAttempt struct {
	Channel string
	At      time.Time
	// Alerts is how many outbox rows the request carried.
	Alerts int
	// Outcome is "delivered", "retry" or "failed"; Status the HTTP status
	// (0 without an answer).
	Outcome string
	Status  int
	Latency time.Duration
	Error   string
}

const alertColumns = `id, event_id, seq, channel, subject, kind, from_level, to_level, cause,
	at_ms, created_at_ms, due_at_ms, repeat_ms, attempts, first_try_at_ms`

func scanAlerts(rows *sql.Rows) ([]Alert, error) {
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var from, to string
		var at, created, due, repeat int64
		var first sql.NullInt64
		if err := rows.Scan(&a.ID, &a.EventID, &a.Seq, &a.Channel, &a.Subject, &a.Kind, &from, &to, &a.Cause,
			&at, &created, &due, &repeat, &a.Attempts, &first); err != nil {
			return nil, err
		}
		var err error
		if a.From, err = status.ParseLevel(from); err != nil {
			return nil, err
		}
		if a.To, err = status.ParseLevel(to); err != nil {
			return nil, err
		}
		a.At, a.Created, a.Due, a.Repeat = fromMS(at), fromMS(created), fromMS(due), time.Duration(repeat)*time.Millisecond
		a.FirstTry = fromNullMS(first)
		out = append(out, a)
	}
	return out, rows.Err()
}

// DueAlerts returns up to limit alerts waiting to be sent whose time has
// come, in the order they were queued, leaving out the channels in skip
// (those the dispatcher is still sending to). Only the dispatcher sends,
// so reading is claiming.
func (s *Store) DueAlerts(ctx context.Context, now time.Time, limit int, skip ...string) ([]Alert, error) {
	const q = `SELECT ` + alertColumns + ` FROM alert_outbox
WHERE sent_at_ms IS NULL AND failed_at_ms IS NULL AND cancelled_at_ms IS NULL AND due_at_ms <= ?1
  AND CAST(?3 AS TEXT) NOT LIKE '%,' || channel || ',%'
ORDER BY id LIMIT ?2`
	rows, err := s.rdb.QueryContext(ctx, q, ms(now), limit, channelList(skip))
	if err != nil {
		return nil, fmt.Errorf("store: due alerts: %w", err)
	}
	out, err := scanAlerts(rows)
	if err != nil {
		return nil, fmt.Errorf("store: due alerts: %w", err)
	}
	return out, nil
}

// channelList is ",a,b," for channels a and b: channel names are slugs,
// without commas or LIKE's wildcards, so one parameter holds any number.
func channelList(names []string) string {
	return "," + strings.Join(names, ",") + ","
}

// NextAlertAt returns when the earliest waiting alert of a channel not in
// skip is due, or the zero time when none waits.
func (s *Store) NextAlertAt(ctx context.Context, skip ...string) (time.Time, error) {
	const q = `SELECT MIN(due_at_ms) FROM alert_outbox
WHERE sent_at_ms IS NULL AND failed_at_ms IS NULL AND cancelled_at_ms IS NULL
  AND CAST(?1 AS TEXT) NOT LIKE '%,' || channel || ',%'`
	var next sql.NullInt64
	if err := s.rdb.QueryRowContext(ctx, q, channelList(skip)).Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("store: next alert: %w", err)
	}
	return fromNullMS(next), nil
}

// PendingAlerts counts the alerts waiting to be sent, due or not.
func (s *Store) PendingAlerts(ctx context.Context) (int64, error) {
	const q = `SELECT count(*) FROM alert_outbox
WHERE sent_at_ms IS NULL AND failed_at_ms IS NULL AND cancelled_at_ms IS NULL`
	var n int64
	if err := s.rdb.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: pending alerts: %w", err)
	}
	return n, nil
}

// AlertWake receives a value after a transaction queued alerts. It is
// only a hint: the dispatcher polls too.
func (s *Store) AlertWake() <-chan struct{} { return s.alerts.c() }

// StartAlerts counts an attempt on the alerts before they are sent and
// commits it: from then on a change that ends the alert knows the
// receiver may have it, and queues the resolved notice.
func (s *Store) StartAlerts(ctx context.Context, ids []int64, now time.Time) error {
	return s.writeTx(ctx, "start alerts", func(tx *sql.Tx) error {
		const q = `UPDATE alert_outbox SET attempts = attempts + 1, first_try_at_ms = COALESCE(first_try_at_ms, ?2) WHERE id = ?1`
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, q, id, ms(now)); err != nil {
				return fmt.Errorf("store: start alert %d: %w", id, err)
			}
		}
		return nil
	})
}

// FinishAlerts records how an attempt on the alerts ids ended, in one
// transaction: delivered (a trigger with a repeat queues its next
// reminder, unless a newer row of its subject exists), retried at next,
// failed, or cancelled unsent (silenced). att, when not nil, is stored
// for the console.
func (s *Store) FinishAlerts(ctx context.Context, ids []int64, att *AlertAttempt, outcome string, next time.Time, reason string, now time.Time) error {
	return s.writeTx(ctx, "finish alerts", func(tx *sql.Tx) error {
		if att != nil {
			const qa = `INSERT INTO alert_attempts (channel, at_ms, alerts, outcome, status_code, latency_us, error)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`
			if _, err := tx.ExecContext(ctx, qa, att.Channel, ms(att.At), att.Alerts, att.Outcome, att.Status,
				att.Latency.Microseconds(), att.Error); err != nil {
				return fmt.Errorf("store: record alert attempt: %w", err)
			}
		}
		for _, id := range ids {
			if err := finishAlert(ctx, tx, id, outcome, next, reason, now); err != nil {
				return fmt.Errorf("store: finish alert %d: %w", id, err)
			}
		}
		return nil
	})
}

func finishAlert(ctx context.Context, tx *sql.Tx, id int64, outcome string, next time.Time, reason string, now time.Time) error {
	switch outcome {
	case "cancelled":
		const q = `UPDATE alert_outbox SET cancelled_at_ms = ?2, last_error = ?3 WHERE id = ?1`
		_, err := tx.ExecContext(ctx, q, id, ms(now), reason)
		return err
	case "retry":
		const q = `UPDATE alert_outbox SET due_at_ms = ?2, last_error = ?3 WHERE id = ?1`
		_, err := tx.ExecContext(ctx, q, id, ms(next), reason)
		return err
	case "failed":
		const q = `UPDATE alert_outbox SET failed_at_ms = ?2, last_error = ?3 WHERE id = ?1`
		_, err := tx.ExecContext(ctx, q, id, ms(now), reason)
		return err
	}
	const q = `UPDATE alert_outbox SET sent_at_ms = ?2, last_error = '' WHERE id = ?1`
	if _, err := tx.ExecContext(ctx, q, id, ms(now)); err != nil {
		return err
	}
	// The reminder of a trigger still firing: no newer row of its
	// subject (a newer level, a resolve, a cancelled one) has been queued.
	const again = `
INSERT INTO alert_outbox (event_id, seq, channel, subject, kind, from_level, to_level, cause,
	at_ms, created_at_ms, due_at_ms, repeat_ms)
SELECT a.event_id, a.seq + 1, a.channel, a.subject, a.kind, a.from_level, a.to_level, a.cause,
	a.at_ms, ?2, ?2 + a.repeat_ms, a.repeat_ms
FROM alert_outbox a
WHERE a.id = ?1 AND a.kind = 'trigger' AND a.repeat_ms > 0 AND a.cancelled_at_ms IS NULL
  AND NOT EXISTS (SELECT 1 FROM alert_outbox n WHERE n.channel = a.channel AND n.subject = a.subject AND n.id > a.id)
ON CONFLICT (event_id, channel, seq) DO NOTHING`
	_, err := tx.ExecContext(ctx, again, id, ms(now))
	return err
}

// EnqueueTestAlert queues a test alert to channel, due now, and returns
// its event id.
func (s *Store) EnqueueTestAlert(ctx context.Context, channel, id string, now time.Time) error {
	const q = `
INSERT INTO alert_outbox (event_id, channel, subject, kind, from_level, to_level, cause, at_ms, created_at_ms, due_at_ms)
VALUES (?1, ?2, 'test', 'test', 'up', 'down', 'test alert', ?3, ?3, ?3)`
	err := s.writeTx(ctx, "enqueue test alert", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, id, channel, ms(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: enqueue test alert: %w", err)
	}
	s.alerts.poke()
	return nil
}

// AlertAttempts returns the latest attempts on channel, newest first.
func (s *Store) AlertAttempts(ctx context.Context, channel string, limit int) ([]AlertAttempt, error) {
	const q = `SELECT channel, at_ms, alerts, outcome, status_code, latency_us, error FROM alert_attempts
WHERE channel = ?1 ORDER BY at_ms DESC, id DESC LIMIT ?2`
	rows, err := s.rdb.QueryContext(ctx, q, channel, limit)
	if err != nil {
		return nil, fmt.Errorf("store: alert attempts: %w", err)
	}
	defer rows.Close()
	var out []AlertAttempt
	for rows.Next() {
		var a AlertAttempt
		var at, lat int64
		if err := rows.Scan(&a.Channel, &at, &a.Alerts, &a.Outcome, &a.Status, &lat, &a.Error); err != nil {
			return nil, fmt.Errorf("store: alert attempts: %w", err)
		}
		a.At, a.Latency = fromMS(at), time.Duration(lat)*time.Microsecond
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: alert attempts: %w", err)
	}
	return out, nil
}

// PruneAlerts deletes finished alerts and attempts older than before,
// keeping each subject's newest row (which says whether its alert is
// open).
func (s *Store) PruneAlerts(ctx context.Context, before time.Time) error {
	const qa = `DELETE FROM alert_attempts WHERE at_ms < ?1`
	const qo = `
DELETE FROM alert_outbox
WHERE created_at_ms < ?1 AND (sent_at_ms IS NOT NULL OR failed_at_ms IS NOT NULL OR cancelled_at_ms IS NOT NULL)
  AND id < (SELECT max(n.id) FROM alert_outbox n WHERE n.channel = alert_outbox.channel AND n.subject = alert_outbox.subject)`
	return s.writeTx(ctx, "prune alerts", func(tx *sql.Tx) error {
		for _, q := range []string{qa, qo} {
			if _, err := tx.ExecContext(ctx, q, ms(before)); err != nil {
				return fmt.Errorf("store: prune alerts: %w", err)
			}
		}
		return nil
	})
}

// SplitAlertSubject is the inverse of AlertSubject: the kind, the subject
// and, for a check in a zone, the zone. An operator event has kind 0 and
// its key as subject.
func SplitAlertSubject(s string) (kind status.Kind, subject, zone string, err error) {
	k, rest, ok := strings.Cut(s, ":")
	if !ok {
		return 0, "", "", fmt.Errorf("alert subject %q: no kind", s)
	}
	if k == OperatorEvent {
		return 0, rest, "", nil
	}
	if kind, err = status.ParseKind(k); err != nil {
		return 0, "", "", err
	}
	if kind == status.CheckZone {
		subject, zone, _ = strings.Cut(rest, "@")
		return kind, subject, zone, nil
	}
	return kind, rest, "", nil
}
