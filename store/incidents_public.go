package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The reads of the public pages and feeds. None of them ever returns a
// draft incident or an update of one: customers must not see drafts.

// PublicIncidentsStarted returns up to limit published incidents that
// started in [from, to), latest start first, with their timelines. A
// history page lists hundreds: listIncidents loads them in three queries.
func (s *Store) PublicIncidentsStarted(ctx context.Context, from, to time.Time, limit int) ([]Incident, error) {
	const picked = `SELECT id FROM incidents WHERE draft = 0 AND started_at_ms >= ?1 AND started_at_ms < ?2
ORDER BY started_at_ms DESC, id DESC LIMIT ?3`
	return s.listIncidents(ctx, "list incidents by start", picked, "started_at_ms DESC, id DESC", true,
		ms(from), ms(to), limit)
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
	const picked = `
SELECT id FROM maintenances WHERE status IN ('completed', 'cancelled')
ORDER BY scheduled_for_ms DESC, id DESC LIMIT ?1 OFFSET ?2`
	return s.listMaintenances(ctx, "list past maintenances", picked, "scheduled_for_ms DESC, id DESC", true, limit, offset)
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

// The feeds' queries walk the *_updates_at indexes backwards and stop at
// the limit (TestFeedQueriesUseTimeIndexes).
const (
	recentIncidentUpdatesQuery = `
SELECT i.id, i.name, u.id, u.status, u.body, u.components_json, u.deliver_notifications, u.author, u.at_ms, u.created_at_ms
FROM incident_updates u JOIN incidents i ON i.id = u.incident_id
WHERE i.draft = 0 ORDER BY u.at_ms DESC, u.id DESC LIMIT ?1`
	recentMaintenanceUpdatesQuery = `
SELECT m.id, m.name, u.id, u.status, u.body, u.deliver_notifications, u.author, u.at_ms, u.created_at_ms
FROM maintenance_updates u JOIN maintenances m ON m.id = u.maintenance_id
ORDER BY u.at_ms DESC, u.id DESC LIMIT ?1`
)

// RecentIncidentUpdates returns the latest limit updates across published
// incidents, latest shown time first.
func (s *Store) RecentIncidentUpdates(ctx context.Context, limit int) ([]IncidentEntry, error) {
	var out []IncidentEntry
	err := eachRow(ctx, s.rdb, recentIncidentUpdatesQuery, []any{limit}, func(rows *sql.Rows) error {
		var e IncidentEntry
		var err error
		if e.Update, err = scanIncidentUpdate(rows, &e.IncidentID, &e.IncidentName); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
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
	var out []MaintenanceEntry
	err := eachRow(ctx, s.rdb, recentMaintenanceUpdatesQuery, []any{limit}, func(rows *sql.Rows) error {
		var e MaintenanceEntry
		var err error
		if e.Update, err = scanMaintenanceUpdate(rows, &e.MaintenanceID, &e.MaintenanceName); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: recent maintenance updates: %w", err)
	}
	return out, nil
}

// RecentPostmortems returns up to limit published incidents with a
// published postmortem, latest publication first, without timelines.
func (s *Store) RecentPostmortems(ctx context.Context, limit int) ([]Incident, error) {
	const picked = `
SELECT id FROM incidents WHERE draft = 0 AND postmortem_at_ms IS NOT NULL AND postmortem <> ''
ORDER BY postmortem_at_ms DESC, id DESC LIMIT ?1`
	return s.listIncidents(ctx, "recent postmortems", picked, "postmortem_at_ms DESC, id DESC", false, limit)
}
