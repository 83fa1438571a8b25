package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// The reads of the public pages and feeds. None of them ever returns a
// draft incident or an update of one: customers must not see drafts.

// PublicIncidentsStarted returns up to limit published incidents that
// started in [from, to), latest start first, with their timelines. A
// history page lists hundreds: three queries in one read transaction
// load them all, rather than three per incident.
func (s *Store) PublicIncidentsStarted(ctx context.Context, from, to time.Time, limit int) ([]Incident, error) {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: list incidents by start: %w", err)
	}
	defer tx.Rollback()
	// picked is the page's incidents; the other two queries read theirs.
	const picked = `SELECT id FROM incidents WHERE draft = 0 AND started_at_ms >= ?1 AND started_at_ms < ?2
ORDER BY started_at_ms DESC, id DESC LIMIT ?3`
	const q = `
SELECT id, name, status, impact, impact_override, started_at_ms, created_at_ms, updated_at_ms, resolved_at_ms,
       eta_ms, postmortem, postmortem_at_ms, draft, auto_component
FROM incidents WHERE id IN (` + picked + `) ORDER BY started_at_ms DESC, id DESC`
	args := []any{ms(from), ms(to), limit}
	incs, err := scanIncidents(ctx, tx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list incidents by start: %w", err)
	}
	at := make(map[int64]*Incident, len(incs))
	for i := range incs {
		at[incs[i].ID] = &incs[i]
	}
	const qc = `SELECT incident_id, component, status FROM incident_components WHERE incident_id IN (` + picked + `)`
	if err := eachRow(ctx, tx, qc, args, func(rows *sql.Rows) error {
		var id int64
		var c, st string
		if err := rows.Scan(&id, &c, &st); err != nil {
			return err
		}
		at[id].Components[c] = st
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: list incidents by start: components: %w", err)
	}
	const qu = `
SELECT incident_id, id, status, body, components_json, deliver_notifications, author, at_ms, created_at_ms
FROM incident_updates WHERE incident_id IN (` + picked + `) ORDER BY at_ms, id`
	if err := eachRow(ctx, tx, qu, args, func(rows *sql.Rows) error {
		var id int64
		var u IncidentUpdate
		var comps string
		var atMS, created int64
		if err := rows.Scan(&id, &u.ID, &u.Status, &u.Body, &comps, &u.DeliverNotifications, &u.Author, &atMS, &created); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(comps), &u.Components); err != nil {
			return err
		}
		u.At, u.Created = fromMS(atMS), fromMS(created)
		at[id].Updates = append(at[id].Updates, u)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: list incidents by start: updates: %w", err)
	}
	return incs, nil
}

// scanIncidents reads incident rows (without components or timeline).
func scanIncidents(ctx context.Context, db reader, q string, args ...any) ([]Incident, error) {
	var out []Incident
	err := eachRow(ctx, db, q, args, func(rows *sql.Rows) error {
		inc := Incident{Components: map[string]string{}}
		var started, created, updated int64
		var resolved, eta, pmAt sql.NullInt64
		if err := rows.Scan(&inc.ID, &inc.Name, &inc.Status, &inc.Impact, &inc.ImpactOverride,
			&started, &created, &updated, &resolved, &eta, &inc.Postmortem, &pmAt, &inc.Draft, &inc.AutoComponent); err != nil {
			return err
		}
		inc.Started, inc.Created, inc.Updated = fromMS(started), fromMS(created), fromMS(updated)
		inc.Resolved, inc.ETA, inc.PostmortemAt = fromNullMS(resolved), fromNullMS(eta), fromNullMS(pmAt)
		out = append(out, inc)
		return nil
	})
	return out, err
}

// eachRow runs q and calls fn for each row.
func eachRow(ctx context.Context, db reader, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// OldestPublicIncident returns when the earliest published incident
// started, or the zero time when there is none.
func (s *Store) OldestPublicIncident(ctx context.Context) (time.Time, error) {
	const q = `SELECT MIN(started_at_ms) FROM incidents WHERE draft = 0`
	var v sql.NullInt64
	if err := s.rdb.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("store: oldest incident: %w", err)
	}
	return fromNullMS(v), nil
}

// PastMaintenances returns windows that are over (completed or
// cancelled), latest start first, skipping offset of them.
func (s *Store) PastMaintenances(ctx context.Context, offset, limit int) ([]Maintenance, error) {
	const q = `
SELECT id FROM maintenances WHERE status IN ('completed', 'cancelled')
ORDER BY scheduled_for_ms DESC, id DESC LIMIT ?1 OFFSET ?2`
	ids, err := queryIDs(ctx, s.rdb, q, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: list past maintenances: %w", err)
	}
	return s.maintenancesByID(ctx, ids)
}

// CountPastMaintenances counts the windows PastMaintenances pages through.
func (s *Store) CountPastMaintenances(ctx context.Context) (int, error) {
	const q = `SELECT COUNT(*) FROM maintenances WHERE status IN ('completed', 'cancelled')`
	var n int
	if err := s.rdb.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count past maintenances: %w", err)
	}
	return n, nil
}

// IncidentEntry is an update of a published incident, with the
// incident's id and current name: one entry of a feed.
type IncidentEntry struct {
	IncidentID   int64
	IncidentName string
	Update       IncidentUpdate
}

// RecentIncidentUpdates returns the latest limit updates across published
// incidents, latest shown time first.
func (s *Store) RecentIncidentUpdates(ctx context.Context, limit int) ([]IncidentEntry, error) {
	const q = `
SELECT i.id, i.name, u.id, u.status, u.body, u.components_json, u.deliver_notifications, u.author, u.at_ms, u.created_at_ms
FROM incident_updates u JOIN incidents i ON i.id = u.incident_id
WHERE i.draft = 0 ORDER BY u.at_ms DESC, u.id DESC LIMIT ?1`
	rows, err := s.rdb.QueryContext(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent incident updates: %w", err)
	}
	defer rows.Close()
	var out []IncidentEntry
	for rows.Next() {
		var e IncidentEntry
		var comps string
		var at, created int64
		u := &e.Update
		if err := rows.Scan(&e.IncidentID, &e.IncidentName, &u.ID, &u.Status, &u.Body, &comps,
			&u.DeliverNotifications, &u.Author, &at, &created); err != nil {
			return nil, fmt.Errorf("store: recent incident updates: %w", err)
		}
		if err := json.Unmarshal([]byte(comps), &u.Components); err != nil {
			return nil, fmt.Errorf("store: recent incident updates: components: %w", err)
		}
		u.At, u.Created = fromMS(at), fromMS(created)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent incident updates: %w", err)
	}
	return out, nil
}

// MaintenanceEntry is an update of a maintenance window, with the
// window's id and current name.
type MaintenanceEntry struct {
	MaintenanceID   int64
	MaintenanceName string
	Update          MaintenanceUpdate
}

// RecentMaintenanceUpdates returns the latest limit updates across
// maintenance windows, latest shown time first.
func (s *Store) RecentMaintenanceUpdates(ctx context.Context, limit int) ([]MaintenanceEntry, error) {
	const q = `
SELECT m.id, m.name, u.id, u.status, u.body, u.deliver_notifications, u.author, u.at_ms, u.created_at_ms
FROM maintenance_updates u JOIN maintenances m ON m.id = u.maintenance_id
ORDER BY u.at_ms DESC, u.id DESC LIMIT ?1`
	rows, err := s.rdb.QueryContext(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent maintenance updates: %w", err)
	}
	defer rows.Close()
	var out []MaintenanceEntry
	for rows.Next() {
		var e MaintenanceEntry
		var at, created int64
		u := &e.Update
		if err := rows.Scan(&e.MaintenanceID, &e.MaintenanceName, &u.ID, &u.Status, &u.Body,
			&u.DeliverNotifications, &u.Author, &at, &created); err != nil {
			return nil, fmt.Errorf("store: recent maintenance updates: %w", err)
		}
		u.At, u.Created = fromMS(at), fromMS(created)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent maintenance updates: %w", err)
	}
	return out, nil
}

// RecentPostmortems returns up to limit published incidents with a
// published postmortem, latest publication first, without timelines.
func (s *Store) RecentPostmortems(ctx context.Context, limit int) ([]Incident, error) {
	const q = `
SELECT id FROM incidents WHERE draft = 0 AND postmortem_at_ms IS NOT NULL AND postmortem <> ''
ORDER BY postmortem_at_ms DESC, id DESC LIMIT ?1`
	ids, err := queryIDs(ctx, s.rdb, q, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent postmortems: %w", err)
	}
	out := make([]Incident, 0, len(ids))
	for _, id := range ids {
		inc, err := loadIncident(ctx, s.rdb, id, false)
		if err != nil {
			return nil, err
		}
		out = append(out, inc)
	}
	return out, nil
}
