package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	var mailed bool
	err := s.writeTx(ctx, "create maintenance", func(tx *sql.Tx) error {
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
		if mailed, err = enqueueAll(ctx, tx, maintenanceEvents(nil, &m, &first, false), now); err != nil {
			return err
		}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "maintenance.create",
			ObjectType: "maintenance", ObjectID: id, After: mustJSON(m)})
	})
	if err != nil {
		return Maintenance{}, err
	}
	if mailed {
		s.pokeOutbox()
	}
	return s.Maintenance(ctx, id)
}

// EditMaintenance changes a window like EditIncident changes an incident.
func (s *Store) EditMaintenance(ctx context.Context, id int64, actor Actor, action string, now time.Time,
	edit func(*Maintenance) (*MaintenanceUpdate, error)) (Maintenance, error) {
	var mailed bool
	err := s.writeTx(ctx, "edit maintenance", func(tx *sql.Tx) error {
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
		if mailed, err = enqueueAll(ctx, tx, maintenanceEvents(&old, &m, upd, announced), now); err != nil {
			return err
		}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: action,
			ObjectType: "maintenance", ObjectID: id, Before: before, After: mustJSON(m)})
	})
	if err != nil {
		return Maintenance{}, err
	}
	if mailed {
		s.pokeOutbox()
	}
	return s.Maintenance(ctx, id)
}

// Maintenance returns a window with its timeline, or ErrNoMaintenance.
func (s *Store) Maintenance(ctx context.Context, id int64) (Maintenance, error) {
	return loadMaintenance(ctx, s.rdb, id, true)
}

// Maintenances returns up to limit windows, latest start first.
func (s *Store) Maintenances(ctx context.Context, limit int) ([]Maintenance, error) {
	const q = `SELECT id FROM maintenances ORDER BY scheduled_for_ms DESC, id DESC LIMIT ?1`
	ids, err := queryIDs(ctx, s.rdb, q, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list maintenances: %w", err)
	}
	return s.maintenancesByID(ctx, ids)
}

// OpenMaintenances returns the windows not yet over (scheduled,
// in_progress or verifying), soonest start first. The overlay and the
// public pages need exactly these, however many windows history holds.
func (s *Store) OpenMaintenances(ctx context.Context) ([]Maintenance, error) {
	const q = `SELECT id FROM maintenances WHERE status IN ('scheduled', 'in_progress', 'verifying')
ORDER BY scheduled_for_ms, id`
	ids, err := queryIDs(ctx, s.rdb, q)
	if err != nil {
		return nil, fmt.Errorf("store: list open maintenances: %w", err)
	}
	return s.maintenancesByID(ctx, ids)
}

// maintenancesByID reads the windows with their timelines, in the order
// of ids.
func (s *Store) maintenancesByID(ctx context.Context, ids []int64) ([]Maintenance, error) {
	out := make([]Maintenance, 0, len(ids))
	for _, id := range ids {
		m, err := s.Maintenance(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func loadMaintenance(ctx context.Context, db reader, id int64, timeline bool) (Maintenance, error) {
	const q = `
SELECT name, status, scheduled_for_ms, scheduled_until_ms, created_at_ms, updated_at_ms,
       description, auto_start, auto_complete, time_zone, revision
FROM maintenances WHERE id = ?1`
	m := Maintenance{ID: id, ComponentIDs: []string{}}
	var from, until, created, updated int64
	err := db.QueryRowContext(ctx, q, id).Scan(&m.Name, &m.Status, &from, &until, &created, &updated,
		&m.Description, &m.AutoStart, &m.AutoComplete, &m.TimeZone, &m.Revision)
	if errors.Is(err, sql.ErrNoRows) {
		return Maintenance{}, ErrNoMaintenance
	}
	if err != nil {
		return Maintenance{}, fmt.Errorf("store: read maintenance %d: %w", id, err)
	}
	m.ScheduledFor, m.ScheduledUntil = fromMS(from), fromMS(until)
	m.Created, m.Updated = fromMS(created), fromMS(updated)
	const qc = `SELECT component FROM maintenance_components WHERE maintenance_id = ?1 ORDER BY component`
	rows, err := db.QueryContext(ctx, qc, id)
	if err != nil {
		return Maintenance{}, fmt.Errorf("store: read maintenance %d components: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return Maintenance{}, fmt.Errorf("store: read maintenance %d components: %w", id, err)
		}
		m.ComponentIDs = append(m.ComponentIDs, c)
	}
	if err := rows.Err(); err != nil {
		return Maintenance{}, fmt.Errorf("store: read maintenance %d components: %w", id, err)
	}
	if timeline {
		if m.Updates, err = loadMaintenanceUpdates(ctx, db, id); err != nil {
			return Maintenance{}, err
		}
	}
	return m, nil
}

func loadMaintenanceUpdates(ctx context.Context, db reader, id int64) ([]MaintenanceUpdate, error) {
	const q = `
SELECT id, status, body, deliver_notifications, author, at_ms, created_at_ms
FROM maintenance_updates WHERE maintenance_id = ?1 ORDER BY at_ms, id`
	rows, err := db.QueryContext(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("store: read maintenance %d updates: %w", id, err)
	}
	defer rows.Close()
	var out []MaintenanceUpdate
	for rows.Next() {
		var u MaintenanceUpdate
		var at, created int64
		if err := rows.Scan(&u.ID, &u.Status, &u.Body, &u.DeliverNotifications, &u.Author, &at, &created); err != nil {
			return nil, fmt.Errorf("store: read maintenance %d updates: %w", id, err)
		}
		u.At, u.Created = fromMS(at), fromMS(created)
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read maintenance %d updates: %w", id, err)
	}
	return out, nil
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
