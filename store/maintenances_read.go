package store

import (
	"context"
	"database/sql"
	"fmt"
)

// loadMaintenance reads a window and its components, and its updates
// when timeline is set.
func loadMaintenance(ctx context.Context, db reader, id int64, timeline bool) (Maintenance, error) {
	list, err := readMaintenances(ctx, db, `SELECT CAST(?1 AS BIGINT)`, `id`, timeline, id)
	if err != nil {
		return Maintenance{}, fmt.Errorf("store: read maintenance %d: %w", id, err)
	}
	if len(list) == 0 {
		return Maintenance{}, ErrNoMaintenance
	}
	return list[0], nil
}

// listMaintenances is readMaintenances in one read transaction.
func (s *Store) listMaintenances(ctx context.Context, what, picked, order string, timeline bool, args ...any) ([]Maintenance, error) {
	return readTx(ctx, s, what, func(tx *sql.Tx) ([]Maintenance, error) {
		return readMaintenances(ctx, tx, picked, order, timeline, args...)
	})
}

// readMaintenances reads the windows whose ids picked selects (a query
// taking args), ordered by order, with their components and, when
// timeline is set, their updates oldest first: three queries, not three
// per window.
func readMaintenances(ctx context.Context, db reader, picked, order string, timeline bool, args ...any) ([]Maintenance, error) {
	q := `
SELECT id, name, status, scheduled_for_ms, scheduled_until_ms, created_at_ms, updated_at_ms,
       description, auto_start, auto_complete, time_zone, revision
FROM maintenances WHERE id IN (` + picked + `) ORDER BY ` + order
	var out []Maintenance
	if err := eachRow(ctx, db, q, args, func(rows *sql.Rows) error {
		m := Maintenance{ComponentIDs: []string{}}
		var from, until, created, updated int64
		if err := rows.Scan(&m.ID, &m.Name, &m.Status, &from, &until, &created, &updated,
			&m.Description, &m.AutoStart, &m.AutoComplete, &m.TimeZone, &m.Revision); err != nil {
			return err
		}
		m.ScheduledFor, m.ScheduledUntil = fromMS(from), fromMS(until)
		m.Created, m.Updated = fromMS(created), fromMS(updated)
		out = append(out, m)
		return nil
	}); err != nil {
		return nil, err
	}
	at := make(map[int64]*Maintenance, len(out))
	for i := range out {
		at[out[i].ID] = &out[i]
	}
	qc := `SELECT maintenance_id, component FROM maintenance_components
WHERE maintenance_id IN (` + picked + `) ORDER BY component`
	if err := eachRow(ctx, db, qc, args, func(rows *sql.Rows) error {
		var id int64
		var c string
		if err := rows.Scan(&id, &c); err != nil {
			return err
		}
		at[id].ComponentIDs = append(at[id].ComponentIDs, c)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("components: %w", err)
	}
	if !timeline {
		return out, nil
	}
	qu := `
SELECT maintenance_id, id, status, body, deliver_notifications, author, at_ms, created_at_ms
FROM maintenance_updates WHERE maintenance_id IN (` + picked + `) ORDER BY at_ms, id`
	if err := eachRow(ctx, db, qu, args, func(rows *sql.Rows) error {
		var id int64
		u, err := scanMaintenanceUpdate(rows, &id)
		if err != nil {
			return err
		}
		at[id].Updates = append(at[id].Updates, u)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("updates: %w", err)
	}
	return out, nil
}

// scanMaintenanceUpdate reads the columns lead points to, then id,
// status, body, deliver_notifications, author, at_ms and created_at_ms of
// an update.
func scanMaintenanceUpdate(row scanner, lead ...any) (MaintenanceUpdate, error) {
	var u MaintenanceUpdate
	var at, created int64
	dest := append(lead, &u.ID, &u.Status, &u.Body, &u.DeliverNotifications, &u.Author, &at, &created)
	if err := row.Scan(dest...); err != nil {
		return MaintenanceUpdate{}, err
	}
	u.At, u.Created = fromMS(at), fromMS(created)
	return u, nil
}
