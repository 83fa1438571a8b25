package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// AlertRoute is what the alert rules make of one change for one channel.
type AlertRoute struct {
	Channel string
	// Firing says the change's new level alerts; otherwise the change
	// left the alerting levels and ends an alert that went out.
	Firing bool
	// Delay holds a firing alert back: a change that ends it sooner
	// cancels it unsent. Repeat sends it again while it lasts (0: never).
	Delay, Repeat time.Duration
	// Resolved sends a notice when an alert that went out ends.
	Resolved bool
}

// AlertRouter routes a change to channels; the writer calls it inside the
// transaction that stores the change, so the alert is queued with it.
type AlertRouter func(status.Change) []AlertRoute

// Alert kinds of the outbox.
const (
	AlertTrigger = "trigger"
	AlertResolve = "resolve"
	AlertTest    = "test"
)

// AlertSubject names what a change is about in the alert outbox:
// "component:api", "check:api-health", "check_zone:api-health@eu".
func AlertSubject(c status.Change) string {
	if c.Kind == status.CheckZone {
		return c.Kind.String() + ":" + c.Subject + "@" + c.Zone
	}
	return c.Kind.String() + ":" + c.Subject
}

// changeEventID is stable for one change: a batch the writer retries, or
// the same change replayed, makes the same id and no second row.
func changeEventID(c status.Change) string {
	h := sha256.New()
	for _, s := range []string{c.Kind.String(), c.Subject, c.Zone, strconv.FormatInt(ms(c.At), 10), c.From.String(), c.To.String()} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "chg_" + hex.EncodeToString(h.Sum(nil)[:12])
}

// enqueueAlerts queues the alerts of changes inside the writer's
// transaction and reports whether it queued any.
func enqueueAlerts(ctx context.Context, tx *sql.Tx, route AlertRouter, changes []status.Change, now time.Time) (bool, error) {
	queued := false
	for _, c := range changes {
		for _, r := range route(c) {
			q, err := enqueueAlert(ctx, tx, AlertSubject(c), changeEventID(c), c, r, now)
			if err != nil {
				return false, fmt.Errorf("enqueue alert for %s on %s: %w", AlertSubject(c), r.Channel, err)
			}
			queued = queued || q
		}
	}
	return queued, nil
}

// enqueueAlert queues what route r makes of a change (c's levels, cause
// and time) of subject, whose event id is id.
func enqueueAlert(ctx context.Context, tx *sql.Tx, subject, id string, c status.Change, r AlertRoute, now time.Time) (bool, error) {
	// The same change stored again (a replay) queues nothing more.
	const seen = `SELECT EXISTS (SELECT 1 FROM alert_outbox WHERE event_id = ?1 AND channel = ?2 AND seq = 0)`
	var dup bool
	if err := tx.QueryRowContext(ctx, seen, id, r.Channel).Scan(&dup); err != nil || dup {
		return false, err
	}
	// A newer change supersedes what is still waiting for this subject
	// (held by a delay or a group window, a repeat, a retry): the
	// receiver gets the news, not the history.
	const cancel = `
UPDATE alert_outbox SET cancelled_at_ms = ?3
WHERE channel = ?1 AND subject = ?2 AND kind = 'trigger'
  AND sent_at_ms IS NULL AND failed_at_ms IS NULL AND cancelled_at_ms IS NULL
RETURNING due_at_ms, attempts`
	rows, err := tx.QueryContext(ctx, cancel, r.Channel, subject, ms(now))
	if err != nil {
		return false, err
	}
	due := ms(c.At.Add(r.Delay))
	for rows.Next() {
		var d, attempts int64
		if err := rows.Scan(&d, &attempts); err != nil {
			rows.Close()
			return false, err
		}
		// A move within the alerting levels (down to partial) keeps the
		// time the problem began waiting.
		if r.Firing && attempts == 0 {
			due = min(due, d)
		}
	}
	if err := rows.Close(); err != nil {
		return false, err
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	const insert = `
INSERT INTO alert_outbox (event_id, channel, subject, kind, from_level, to_level, cause,
	at_ms, created_at_ms, due_at_ms, repeat_ms, cancelled_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT (event_id, channel, seq) DO NOTHING`
	if r.Firing {
		_, err := tx.ExecContext(ctx, insert, id, r.Channel, subject, AlertTrigger, c.From.String(), c.To.String(), c.Cause,
			ms(c.At), ms(now), due, r.Repeat.Milliseconds(), nil)
		return err == nil, err
	}
	// The alert is open when a trigger since the last resolve may have
	// reached the receiver: sent, or tried (an attempt that timed out, or
	// a crash, may have cut the record of a delivery that arrived), even
	// if it was cancelled just now; not one given up, which the console
	// shows as failed.
	const open = `
SELECT EXISTS (SELECT 1 FROM alert_outbox t
WHERE t.channel = ?1 AND t.subject = ?2 AND t.kind = 'trigger' AND t.failed_at_ms IS NULL
  AND (t.sent_at_ms IS NOT NULL OR t.attempts > 0)
  AND t.id > COALESCE((SELECT max(r.id) FROM alert_outbox r
                       WHERE r.channel = ?1 AND r.subject = ?2 AND r.kind = 'resolve'), 0))`
	var isOpen bool
	if err := tx.QueryRowContext(ctx, open, r.Channel, subject).Scan(&isOpen); err != nil {
		return false, err
	}
	if !isOpen {
		return false, nil
	}
	// Without a resolved notice the row is stored already cancelled: it
	// closes the alert, so that repeats stop and the next trigger opens
	// a new one.
	var cancelled any
	if !r.Resolved {
		cancelled = ms(now)
	}
	_, err = tx.ExecContext(ctx, insert, id, r.Channel, subject, AlertResolve, c.From.String(), c.To.String(), c.Cause,
		ms(c.At), ms(now), ms(c.At), 0, cancelled)
	return err == nil && r.Resolved, err
}

// OperatorEvent is the subject prefix of alerts about Ampel itself
// (backups failing, say), which no status page shows.
const OperatorEvent = "event"

// EnqueueOperatorAlert queues to channels the start (firing) or the end
// of a problem of Ampel's own, named key ("backups"), with cause saying
// what is wrong; an end is queued only where the start went out. It
// reports whether it queued any.
func (s *Store) EnqueueOperatorAlert(ctx context.Context, channels []string, key, cause string, firing bool, now time.Time) (bool, error) {
	c := status.Change{At: now, From: status.Down, To: status.Up, Cause: cause}
	if firing {
		c.From, c.To = status.Up, status.Down
	}
	h := sha256.Sum256([]byte(key + "\x00" + strconv.FormatInt(ms(now), 10) + "\x00" + c.To.String()))
	id := "evt_" + hex.EncodeToString(h[:12])
	queued := false
	err := s.writeTx(ctx, "enqueue operator alert", func(tx *sql.Tx) error {
		for _, ch := range channels {
			q, err := enqueueAlert(ctx, tx, OperatorEvent+":"+key, id, c, AlertRoute{Channel: ch, Firing: firing, Resolved: true}, now)
			if err != nil {
				return fmt.Errorf("store: enqueue operator alert %s on %s: %w", key, ch, err)
			}
			queued = queued || q
		}
		return nil
	})
	if err == nil && queued {
		s.alerts.poke()
	}
	return queued, err
}
