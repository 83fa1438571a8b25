package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Kinds of outbox row: what the mail announces.
const (
	MailIncidentCreated      = "incident.created"
	MailIncidentUpdate       = "incident.update"
	MailIncidentResolved     = "incident.resolved"
	MailIncidentPostmortem   = "incident.postmortem"
	MailMaintenanceScheduled = "maintenance.scheduled"
	MailMaintenanceReminder  = "maintenance.reminder"
	MailMaintenanceStarted   = "maintenance.started"
	MailMaintenanceUpdate    = "maintenance.update"
	MailMaintenanceCompleted = "maintenance.completed"
	MailMaintenanceResched   = "maintenance.rescheduled"
	MailMaintenanceCancelled = "maintenance.cancelled"
)

// mailEvent is one thing subscribers hear about; its key is unique per
// event, so enqueueing it twice is a no-op.
type mailEvent struct {
	key, kind  string
	objectType string
	objectID   int64
	updateID   int64
	// components are those affected; none means every subscriber.
	components []string
}

// enqueue writes one outbox row per confirmed, not unsubscribed, not
// bounced subscriber of an affected component, in the caller's
// transaction. It reports whether rows were written.
func enqueue(ctx context.Context, d dialect, tx *sql.Tx, ev mailEvent, now time.Time) (bool, error) {
	// ?7 is the components as a JSON array.
	some := d.pick(`json_array_length(?7) = 0 OR EXISTS (
       SELECT 1 FROM subscriber_components sc
       WHERE sc.subscriber_id = s.id AND sc.component IN (SELECT value FROM json_each(?7)))`,
		`jsonb_array_length(CAST(CAST(?7 AS TEXT) AS jsonb)) = 0 OR EXISTS (
       SELECT 1 FROM subscriber_components sc
       WHERE sc.subscriber_id = s.id AND sc.component IN (SELECT jsonb_array_elements_text(CAST(CAST(?7 AS TEXT) AS jsonb))))`)
	// The WHERE clause also keeps SQLite from reading ON CONFLICT as part
	// of a join.
	q := `
INSERT INTO outbox (event_key, subscriber_id, kind, object_type, object_id, update_id, created_at_ms, next_attempt_at_ms)
SELECT ?1, s.id, ?2, ?3, ?4, ?5, ?6, ?6 FROM subscribers s
WHERE ` + activeSQL + `
  AND (s.all_components = 1 OR ` + some + `)
ON CONFLICT (event_key, subscriber_id) DO NOTHING`
	comps := ev.components
	if comps == nil {
		comps = []string{}
	}
	res, err := tx.ExecContext(ctx, q, ev.key, ev.kind, ev.objectType, ev.objectID, ev.updateID, ms(now), string(mustJSON(comps)))
	if err != nil {
		return false, fmt.Errorf("store: enqueue %s: %w", ev.key, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// incidentEvents are the mails an incident change sends: before is nil
// for a new incident; upd is the update written with the change, if any.
// Drafts send nothing; publishing one is its "created". Updates without
// the notify flag send nothing, and a postmortem is announced once.
func incidentEvents(before *Incident, after *Incident, upd *IncidentUpdate) []mailEvent {
	if after.Draft {
		return nil
	}
	id := strconv.FormatInt(after.ID, 10)
	base := mailEvent{objectType: "incident", objectID: after.ID,
		components: slices.Sorted(maps.Keys(after.Components))}
	var out []mailEvent
	ev := base
	switch {
	case before == nil || before.Draft:
		if upd != nil && !upd.DeliverNotifications {
			break
		}
		ev.key, ev.kind = "incident:"+id+":created", MailIncidentCreated
		if upd != nil {
			ev.updateID = upd.ID
		}
		out = append(out, ev)
	case upd != nil && upd.DeliverNotifications:
		ev.key, ev.kind, ev.updateID = "incident:"+id+":update:"+strconv.FormatInt(upd.ID, 10), MailIncidentUpdate, upd.ID
		if before.Status != "resolved" && after.Status == "resolved" {
			ev.kind = MailIncidentResolved
		}
		out = append(out, ev)
	}
	if after.Postmortem != "" && !after.PostmortemAt.IsZero() &&
		(before == nil || !before.PostmortemAt.Equal(after.PostmortemAt)) {
		ev := base
		ev.key, ev.kind = "incident:"+id+":postmortem", MailIncidentPostmortem
		out = append(out, ev)
	}
	return out
}

// maintenanceEvents are the mails a maintenance change sends, like
// incidentEvents. A window entered as history (completed or cancelled at
// creation) sends nothing; moving a scheduled window sends "rescheduled",
// unless the update that comes with it says not to notify, and only if
// subscribers were told of the window (announced).
func maintenanceEvents(before, after *Maintenance, upd *MaintenanceUpdate, announced bool) []mailEvent {
	id := strconv.FormatInt(after.ID, 10)
	base := mailEvent{objectType: "maintenance", objectID: after.ID, components: after.ComponentIDs}
	var out []mailEvent
	if before != nil && before.Status == "scheduled" && after.Status == "scheduled" &&
		(!before.ScheduledFor.Equal(after.ScheduledFor) || !before.ScheduledUntil.Equal(after.ScheduledUntil)) &&
		((upd == nil && announced) || (upd != nil && upd.DeliverNotifications)) {
		ev := base
		ev.key = "maintenance:" + id + ":rescheduled:" + strconv.Itoa(after.Revision)
		ev.kind = MailMaintenanceResched
		if upd != nil {
			ev.updateID = upd.ID
		}
		return append(out, ev)
	}
	if upd == nil || !upd.DeliverNotifications {
		return nil
	}
	ev := base
	ev.updateID = upd.ID
	ev.key = "maintenance:" + id + ":update:" + strconv.FormatInt(upd.ID, 10)
	ev.kind = maintenanceKind(before, after.Status)
	if ev.kind == "" {
		return nil
	}
	if before == nil {
		ev.key = "maintenance:" + id + ":created"
	}
	return append(out, ev)
}

// maintenanceKind names the mail for a window moving to status.
func maintenanceKind(before *Maintenance, status string) string {
	if before == nil {
		switch status {
		case "scheduled":
			return MailMaintenanceScheduled
		case "in_progress":
			return MailMaintenanceStarted
		}
		return ""
	}
	if before.Status == status {
		return MailMaintenanceUpdate
	}
	switch status {
	case "in_progress":
		if before.Status == "scheduled" {
			return MailMaintenanceStarted
		}
	case "completed":
		return MailMaintenanceCompleted
	case "cancelled":
		return MailMaintenanceCancelled
	}
	return MailMaintenanceUpdate
}

// enqueueAll enqueues events, for mail and for hook subscribers, and
// reports whether any row was written.
func enqueueAll(ctx context.Context, d dialect, tx *sql.Tx, evs []mailEvent, now time.Time) (bool, error) {
	wrote, err := enqueueHookIncidents(ctx, d, tx, evs, now)
	if err != nil {
		return false, err
	}
	for _, ev := range evs {
		ok, err := enqueue(ctx, d, tx, ev, now)
		if err != nil {
			return false, err
		}
		wrote = wrote || ok
	}
	return wrote, nil
}

// maintenanceAnnounced reports whether any update of the window was
// sent to subscribers.
func maintenanceAnnounced(ctx context.Context, tx *sql.Tx, id int64) (bool, error) {
	const q = `SELECT EXISTS (SELECT 1 FROM maintenance_updates WHERE maintenance_id = ?1 AND deliver_notifications = 1)`
	var ok bool
	if err := tx.QueryRowContext(ctx, q, id).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: maintenance %d announced: %w", id, err)
	}
	return ok, nil
}
