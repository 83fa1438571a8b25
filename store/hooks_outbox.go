package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// HookWake receives a value after a transaction queued hook deliveries.
// It is only a hint: the dispatcher polls too.
func (s *Store) HookWake() <-chan struct{} { return s.hooks.c() }

// hookActiveSQL holds for the hook subscribers (aliased h) events go to.
const hookActiveSQL = `h.confirmed_at_ms IS NOT NULL AND h.unsubscribed_at_ms IS NULL AND h.quarantined_at_ms IS NULL`

// hookForSQL is the filter on h for an event about the components in
// the JSON array ?1 (none: every subscriber), in each dialect.
func hookForSQL(d dialect) string {
	return d.pick(`(h.all_components = 1 OR json_array_length(?1) = 0 OR EXISTS (
       SELECT 1 FROM hook_subscriber_components hc
       WHERE hc.hook_id = h.id AND hc.component IN (SELECT value FROM json_each(?1))))`,
		`(h.all_components = 1 OR jsonb_array_length(CAST(CAST(?1 AS TEXT) AS jsonb)) = 0 OR EXISTS (
       SELECT 1 FROM hook_subscriber_components hc
       WHERE hc.hook_id = h.id AND hc.component IN (SELECT jsonb_array_elements_text(CAST(CAST(?1 AS TEXT) AS jsonb)))))`)
}

// enqueueHookEvent writes one hook_outbox row per active hook subscriber
// of an affected component, in the caller's transaction, and reports
// whether it wrote any.
func enqueueHookEvent(ctx context.Context, d dialect, tx *sql.Tx, key, kind string, comps []string,
	objectID, updateID int64, component, from, to string, at, now time.Time) (bool, error) {
	if comps == nil {
		comps = []string{}
	}
	q := `
INSERT INTO hook_outbox (event_key, hook_id, kind, object_id, update_id, component, from_status, to_status,
	at_ms, created_at_ms, next_attempt_at_ms)
SELECT ?2, h.id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10 FROM hook_subscribers h
WHERE ` + hookActiveSQL + ` AND ` + hookForSQL(d) + `
ON CONFLICT (event_key, hook_id) DO NOTHING`
	res, err := tx.ExecContext(ctx, q, string(mustJSON(comps)), key, kind, objectID, updateID, component, from, to, ms(at), ms(now))
	if err != nil {
		return false, fmt.Errorf("store: enqueue hook %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// enqueueHookIncidents queues the incident events among evs (maintenance
// windows are mail only).
func enqueueHookIncidents(ctx context.Context, d dialect, tx *sql.Tx, evs []mailEvent, now time.Time) (bool, error) {
	wrote := false
	for _, ev := range evs {
		if ev.objectType != "incident" {
			continue
		}
		ok, err := enqueueHookEvent(ctx, d, tx, ev.key, HookIncident, ev.components, ev.objectID, ev.updateID, "", "", "", now, now)
		if err != nil {
			return false, err
		}
		wrote = wrote || ok
	}
	return wrote, nil
}

// enqueueHookChanges queues the components' status moves among changes.
// A move from or to no data is Ampel's own gap (a stop, a takeover), not
// news about the service, and is not sent.
func enqueueHookChanges(ctx context.Context, d dialect, tx *sql.Tx, changes []status.Change, now time.Time) (bool, error) {
	wrote := false
	for _, c := range changes {
		if c.Kind != status.Component || c.From == status.NoData || c.To == status.NoData {
			continue
		}
		from, to := c.From.Statuspage(), c.To.Statuspage()
		if from == to {
			continue
		}
		ok, err := enqueueHookEvent(ctx, d, tx, changeEventID(c), HookComponent, []string{c.Subject}, 0, 0, c.Subject, from, to, c.At, now)
		if err != nil {
			return false, err
		}
		wrote = wrote || ok
	}
	return wrote, nil
}

// HookDelivery is one due hook_outbox row with its subscriber.
type HookDelivery struct {
	ID        int64
	EventKey  string
	Kind      string
	ObjectID  int64
	UpdateID  int64
	Component string
	From, To  string
	At        time.Time
	Attempts  int
	// FirstTry is when the first attempt was made; zero before it.
	FirstTry time.Time
	Hook     Hook
	// Active is false when the subscriber may no longer get the row:
	// unsubscribed or quarantined since, or, for a verification, already
	// confirmed or expired.
	Active bool
}

// DueHooks returns up to limit unsent, unfailed rows whose next attempt
// has come, oldest first. Only the dispatcher (the leader's) sends, so
// reading is claiming.
func (s *Store) DueHooks(ctx context.Context, now time.Time, limit int) ([]HookDelivery, error) {
	q := `
SELECT o.id, o.event_key, o.kind, o.object_id, o.update_id, o.component, o.from_status, o.to_status,
       o.at_ms, o.attempts, o.first_try_at_ms, ` + hookColumns + `
FROM hook_outbox o JOIN hook_subscribers h ON h.id = o.hook_id
WHERE o.sent_at_ms IS NULL AND o.failed_at_ms IS NULL AND o.next_attempt_at_ms <= ?1
ORDER BY o.next_attempt_at_ms, o.id LIMIT ?2`
	rows, err := s.rdb.QueryContext(ctx, q, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due hooks: %w", err)
	}
	defer rows.Close()
	var out []HookDelivery
	for rows.Next() {
		var d HookDelivery
		var at int64
		var first sql.NullInt64
		var h Hook
		var created int64
		var expires, confirmed, unsubscribed, quarantined sql.NullInt64
		var comps sql.NullString
		if err := rows.Scan(&d.ID, &d.EventKey, &d.Kind, &d.ObjectID, &d.UpdateID, &d.Component, &d.From, &d.To,
			&at, &d.Attempts, &first,
			&h.ID, &h.Kind, &h.URL, &h.Host, &h.Secret, &h.Lang, &h.All, &created,
			&expires, &confirmed, &unsubscribed, &quarantined, &h.QuarantineReason, &comps); err != nil {
			return nil, fmt.Errorf("store: due hooks: %w", err)
		}
		h.Created, h.Expires, h.Confirmed = fromMS(created), fromNullMS(expires), fromNullMS(confirmed)
		h.Unsubscribed, h.Quarantined = fromNullMS(unsubscribed), fromNullMS(quarantined)
		h.State = hookState(h)
		d.At, d.FirstTry, d.Hook = fromMS(at), fromNullMS(first), h
		if d.Kind == HookVerify {
			d.Active = h.State == HookPending && h.Expires.After(now)
		} else {
			d.Active = h.State == HookConfirmed
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: due hooks: %w", err)
	}
	return out, nil
}

// NextHookAt returns when the earliest pending row is due, or the zero
// time when none is pending.
func (s *Store) NextHookAt(ctx context.Context) (time.Time, error) {
	return s.nextDue(ctx, "hook_outbox", "hook")
}

// PendingHooks counts the rows waiting to be sent, due now or later.
func (s *Store) PendingHooks(ctx context.Context) (int64, error) {
	return s.pendingRows(ctx, "hook_outbox", "hooks")
}
