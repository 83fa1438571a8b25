package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"
)

// Maintenance is a scheduled maintenance window with the components it
// affects and, when read with its timeline, its updates oldest first.
type Maintenance struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Status         string    `json:"status"`
	ScheduledFor   time.Time `json:"scheduled_for"`
	ScheduledUntil time.Time `json:"scheduled_until"`
	ComponentIDs   []string  `json:"component_ids"`
	// Description is the Markdown shown with the window.
	Description string `json:"description"`
	// AutoStart and AutoComplete let the clock move the window to
	// in_progress at ScheduledFor and to completed at ScheduledUntil.
	AutoStart    bool `json:"auto_start"`
	AutoComplete bool `json:"auto_complete"`
	// TimeZone is the IANA zone the window was scheduled in, for showing
	// its times as the operator wrote them; empty for the site's zone.
	TimeZone string `json:"time_zone,omitempty"`
	// Revision counts changes (iCalendar's SEQUENCE); the store raises it
	// on every edit.
	Revision int                 `json:"revision"`
	Created  time.Time           `json:"created_at"`
	Updated  time.Time           `json:"updated_at"`
	Updates  []MaintenanceUpdate `json:"updates,omitempty"`
}

// MaintenanceUpdate is one entry of a window's timeline.
type MaintenanceUpdate struct {
	ID                   int64     `json:"id"`
	Status               string    `json:"status"`
	Body                 string    `json:"body"`
	DeliverNotifications bool      `json:"deliver_notifications"`
	Author               string    `json:"author"`
	At                   time.Time `json:"at"`
	Created              time.Time `json:"created_at"`
}

// ErrNoMaintenance is returned when no maintenance has the id.
var ErrNoMaintenance = errors.New("no such maintenance")

// CreateMaintenance stores a window with its first update and the audit
// entry, in one transaction on the writer connection.
func (s *Store) CreateMaintenance(ctx context.Context, m Maintenance, first MaintenanceUpdate, actor Actor, now time.Time) (Maintenance, error) {
	var id int64
	err := s.overlayTx(ctx, "create maintenance", func(tx *sql.Tx, mailed *bool) error {
		const q = `
INSERT INTO maintenances (name, status, scheduled_for_ms, scheduled_until_ms, created_at_ms, updated_at_ms,
       description, auto_start, auto_complete, time_zone)
VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9) RETURNING id`
		if err := tx.QueryRowContext(ctx, q, m.Name, m.Status, ms(m.ScheduledFor), ms(m.ScheduledUntil), ms(now),
			m.Description, m.AutoStart, m.AutoComplete, m.TimeZone).Scan(&id); err != nil {
			return err
		}
		m.ID, m.Created, m.Updated = id, now, now
		if err := writeMaintenanceComponents(ctx, tx, id, m.ComponentIDs); err != nil {
			return err
		}
		if err := insertMaintenanceUpdate(ctx, tx, id, &first, now); err != nil {
			return err
		}
		m.Updates = []MaintenanceUpdate{first}
		var err error
		if *mailed, err = enqueueAll(ctx, s.d, tx, maintenanceEvents(nil, &m, &first, false), now); err != nil {
			return err
		}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "maintenance.create",
			ObjectType: "maintenance", ObjectID: id, After: mustJSON(m)})
	})
	if err != nil {
		return Maintenance{}, err
	}
	return s.Maintenance(ctx, id)
}

// EditMaintenance changes a window like EditIncident changes an incident.
func (s *Store) EditMaintenance(ctx context.Context, id int64, actor Actor, action string, now time.Time,
	edit func(*Maintenance) (*MaintenanceUpdate, error)) (Maintenance, error) {
	err := s.overlayTx(ctx, "edit maintenance", func(tx *sql.Tx, mailed *bool) error {
		m, err := loadMaintenance(ctx, tx, id, false)
		if err != nil {
			return err
		}
		old := m
		before := mustJSON(m)
		upd, err := edit(&m)
		if err != nil {
			return err
		}
		m.Updated = now
		m.Revision++
		const q = `
UPDATE maintenances SET name = ?2, status = ?3, scheduled_for_ms = ?4, scheduled_until_ms = ?5, updated_at_ms = ?6,
       description = ?7, auto_start = ?8, auto_complete = ?9, time_zone = ?10, revision = ?11
WHERE id = ?1`
		if _, err := tx.ExecContext(ctx, q, id, m.Name, m.Status, ms(m.ScheduledFor), ms(m.ScheduledUntil), ms(now),
			m.Description, m.AutoStart, m.AutoComplete, m.TimeZone, m.Revision); err != nil {
			return err
		}
		if err := writeMaintenanceComponents(ctx, tx, id, m.ComponentIDs); err != nil {
			return err
		}
		if upd != nil {
			if err := insertMaintenanceUpdate(ctx, tx, id, upd, now); err != nil {
				return err
			}
			m.Updates = []MaintenanceUpdate{*upd}
		}
		announced, err := maintenanceAnnounced(ctx, tx, id)
		if err != nil {
			return err
		}
		if *mailed, err = enqueueAll(ctx, s.d, tx, maintenanceEvents(&old, &m, upd, announced), now); err != nil {
			return err
		}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: action,
			ObjectType: "maintenance", ObjectID: id, Before: before, After: mustJSON(m)})
	})
	if err != nil {
		return Maintenance{}, err
	}
	return s.Maintenance(ctx, id)
}

// Maintenance returns a window with its timeline, or ErrNoMaintenance.
func (s *Store) Maintenance(ctx context.Context, id int64) (Maintenance, error) {
	return loadMaintenance(ctx, s.rdb, id, true)
}

// Maintenances returns up to limit windows, latest start first.
func (s *Store) Maintenances(ctx context.Context, limit int) ([]Maintenance, error) {
	const picked = `SELECT id FROM maintenances ORDER BY scheduled_for_ms DESC, id DESC LIMIT ?1`
	return s.listMaintenances(ctx, "list maintenances", picked, "scheduled_for_ms DESC, id DESC", true, limit)
}

// OpenMaintenances returns the windows not yet over (scheduled,
// in_progress or verifying), soonest start first, with their timelines.
// The public pages need exactly these, however many windows history holds.
func (s *Store) OpenMaintenances(ctx context.Context) ([]Maintenance, error) {
	return s.openMaintenances(ctx, true)
}

// OpenMaintenancesNoTimeline is OpenMaintenances without the timelines:
// its windows carry no Updates. The background loops (overlay, clock,
// automation) read only status, schedule and components, every few
// seconds, and need not load every update body for that.
func (s *Store) OpenMaintenancesNoTimeline(ctx context.Context) ([]Maintenance, error) {
	return s.openMaintenances(ctx, false)
}

func (s *Store) openMaintenances(ctx context.Context, timeline bool) ([]Maintenance, error) {
	const picked = `SELECT id FROM maintenances WHERE status IN ('scheduled', 'in_progress', 'verifying')`
	return s.listMaintenances(ctx, "list open maintenances", picked, "scheduled_for_ms, id", timeline)
}

func writeMaintenanceComponents(ctx context.Context, tx *sql.Tx, id int64, ids []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM maintenance_components WHERE maintenance_id = ?1`, id); err != nil {
		return err
	}
	const q = `INSERT INTO maintenance_components (maintenance_id, component) VALUES (?1, ?2)`
	for _, c := range slices.Compact(slices.Sorted(slices.Values(ids))) {
		if _, err := tx.ExecContext(ctx, q, id, c); err != nil {
			return err
		}
	}
	return nil
}

func insertMaintenanceUpdate(ctx context.Context, tx *sql.Tx, id int64, u *MaintenanceUpdate, now time.Time) error {
	const q = `
INSERT INTO maintenance_updates (maintenance_id, status, body, deliver_notifications, author, at_ms, created_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id`
	u.Created = now
	return tx.QueryRowContext(ctx, q, id, u.Status, u.Body, u.DeliverNotifications, u.Author, ms(u.At), ms(now)).Scan(&u.ID)
}
