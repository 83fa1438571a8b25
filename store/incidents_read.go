package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// loadIncident reads an incident and its components, and its updates when
// timeline is set.
func loadIncident(ctx context.Context, db reader, id int64, timeline bool) (Incident, error) {
	const q = `
SELECT name, status, impact, impact_override, started_at_ms, created_at_ms, updated_at_ms, resolved_at_ms,
       eta_ms, postmortem, postmortem_at_ms, draft, auto_component
FROM incidents WHERE id = ?1`
	inc := Incident{ID: id, Components: map[string]string{}}
	var started, created, updated int64
	var resolved, eta, pmAt sql.NullInt64
	err := db.QueryRowContext(ctx, q, id).Scan(&inc.Name, &inc.Status, &inc.Impact, &inc.ImpactOverride,
		&started, &created, &updated, &resolved, &eta, &inc.Postmortem, &pmAt, &inc.Draft, &inc.AutoComponent)
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, ErrNoIncident
	}
	if err != nil {
		return Incident{}, fmt.Errorf("store: read incident %d: %w", id, err)
	}
	inc.Started, inc.Created, inc.Updated = fromMS(started), fromMS(created), fromMS(updated)
	inc.Resolved, inc.ETA, inc.PostmortemAt = fromNullMS(resolved), fromNullMS(eta), fromNullMS(pmAt)
	const qc = `SELECT component, status FROM incident_components WHERE incident_id = ?1`
	rows, err := db.QueryContext(ctx, qc, id)
	if err != nil {
		return Incident{}, fmt.Errorf("store: read incident %d components: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c, st string
		if err := rows.Scan(&c, &st); err != nil {
			return Incident{}, fmt.Errorf("store: read incident %d components: %w", id, err)
		}
		inc.Components[c] = st
	}
	if err := rows.Err(); err != nil {
		return Incident{}, fmt.Errorf("store: read incident %d components: %w", id, err)
	}
	if timeline {
		if inc.Updates, err = loadIncidentUpdates(ctx, db, id); err != nil {
			return Incident{}, err
		}
	}
	return inc, nil
}

func loadIncidentUpdates(ctx context.Context, db reader, id int64) ([]IncidentUpdate, error) {
	const q = `
SELECT id, status, body, components_json, deliver_notifications, author, at_ms, created_at_ms
FROM incident_updates WHERE incident_id = ?1 ORDER BY at_ms, id`
	rows, err := db.QueryContext(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("store: read incident %d updates: %w", id, err)
	}
	defer rows.Close()
	var out []IncidentUpdate
	for rows.Next() {
		var u IncidentUpdate
		var comps string
		var at, created int64
		if err := rows.Scan(&u.ID, &u.Status, &u.Body, &comps, &u.DeliverNotifications, &u.Author, &at, &created); err != nil {
			return nil, fmt.Errorf("store: read incident %d updates: %w", id, err)
		}
		if err := json.Unmarshal([]byte(comps), &u.Components); err != nil {
			return nil, fmt.Errorf("store: read incident %d updates: components: %w", id, err)
		}
		u.At, u.Created = fromMS(at), fromMS(created)
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read incident %d updates: %w", id, err)
	}
	return out, nil
}

// writeIncidentComponents replaces the statuses an incident sets.
func writeIncidentComponents(ctx context.Context, tx *sql.Tx, id int64, comps map[string]string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM incident_components WHERE incident_id = ?1`, id); err != nil {
		return err
	}
	const q = `INSERT INTO incident_components (incident_id, component, status) VALUES (?1, ?2, ?3)`
	for c, st := range comps {
		if _, err := tx.ExecContext(ctx, q, id, c, st); err != nil {
			return err
		}
	}
	return nil
}

// insertIncidentUpdate appends u, setting its ID and Created.
func insertIncidentUpdate(ctx context.Context, tx *sql.Tx, id int64, u *IncidentUpdate, now time.Time) error {
	const q = `
INSERT INTO incident_updates (incident_id, status, body, components_json, deliver_notifications, author, at_ms, created_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id`
	comps := u.Components
	if comps == nil {
		comps = map[string]string{}
	}
	u.Created = now
	return tx.QueryRowContext(ctx, q, id, u.Status, u.Body, string(mustJSON(comps)),
		u.DeliverNotifications, u.Author, ms(u.At), ms(now)).Scan(&u.ID)
}

// writeTx runs fn in a transaction on the writer connection. Errors from
// fn that are not of the database (sentinels, rule errors) pass through
// unwrapped so callers can match them.
func (s *Store) writeTx(ctx context.Context, what string, fn func(*sql.Tx) error) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

func queryIDs(ctx context.Context, db reader, q string, args ...any) ([]int64, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// fromNullMS is the zero time for NULL.
func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ms(t)
}

// mustJSON marshals our own plain structs, which cannot fail.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: marshal %T: %v", v, err))
	}
	return b
}
