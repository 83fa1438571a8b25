package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// loadIncident reads an incident and its components, and its updates when
// timeline is set.
func loadIncident(ctx context.Context, db reader, id int64, timeline bool) (Incident, error) {
	incs, err := readIncidents(ctx, db, `SELECT CAST(?1 AS BIGINT)`, `id`, timeline, id)
	if err != nil {
		return Incident{}, fmt.Errorf("store: read incident %d: %w", id, err)
	}
	if len(incs) == 0 {
		return Incident{}, ErrNoIncident
	}
	return incs[0], nil
}

// listIncidents is readIncidents in one read transaction.
func (s *Store) listIncidents(ctx context.Context, what, picked, order string, timeline bool, args ...any) ([]Incident, error) {
	return readTx(ctx, s, what, func(tx *sql.Tx) ([]Incident, error) {
		return readIncidents(ctx, tx, picked, order, timeline, args...)
	})
}

// readTx runs fn in a read transaction on the read pool, so the queries
// of a list see the same rows.
func readTx[T any](ctx context.Context, s *Store, what string, fn func(*sql.Tx) (T, error)) (T, error) {
	var zero T
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return zero, fmt.Errorf("store: %s: %w", what, err)
	}
	defer tx.Rollback()
	v, err := fn(tx)
	if err != nil {
		return zero, fmt.Errorf("store: %s: %w", what, err)
	}
	return v, nil
}

// readIncidents reads the incidents whose ids picked selects (a query
// taking args), ordered by order, with their components and, when
// timeline is set, their updates oldest first. A list of hundreds costs
// three queries, not three per incident.
func readIncidents(ctx context.Context, db reader, picked, order string, timeline bool, args ...any) ([]Incident, error) {
	q := `
SELECT id, name, status, impact, impact_override, started_at_ms, created_at_ms, updated_at_ms, resolved_at_ms,
       eta_ms, postmortem, postmortem_at_ms, draft, auto_component
FROM incidents WHERE id IN (` + picked + `) ORDER BY ` + order
	incs, err := scanIncidents(ctx, db, q, args...)
	if err != nil {
		return nil, err
	}
	at := make(map[int64]*Incident, len(incs))
	for i := range incs {
		at[incs[i].ID] = &incs[i]
	}
	qc := `SELECT incident_id, component, status FROM incident_components WHERE incident_id IN (` + picked + `)`
	if err := eachRow(ctx, db, qc, args, func(rows *sql.Rows) error {
		var id int64
		var c, st string
		if err := rows.Scan(&id, &c, &st); err != nil {
			return err
		}
		at[id].Components[c] = st
		return nil
	}); err != nil {
		return nil, fmt.Errorf("components: %w", err)
	}
	if !timeline {
		return incs, nil
	}
	qu := `
SELECT incident_id, id, status, body, components_json, deliver_notifications, author, at_ms, created_at_ms
FROM incident_updates WHERE incident_id IN (` + picked + `) ORDER BY at_ms, id`
	if err := eachRow(ctx, db, qu, args, func(rows *sql.Rows) error {
		var id int64
		u, err := scanIncidentUpdate(rows, &id)
		if err != nil {
			return err
		}
		at[id].Updates = append(at[id].Updates, u)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("updates: %w", err)
	}
	return incs, nil
}

// scanIncidentUpdate reads the columns lead points to, then id, status,
// body, components_json, deliver_notifications, author, at_ms and
// created_at_ms of an update.
func scanIncidentUpdate(row scanner, lead ...any) (IncidentUpdate, error) {
	var u IncidentUpdate
	var comps string
	var at, created int64
	dest := append(lead, &u.ID, &u.Status, &u.Body, &comps, &u.DeliverNotifications, &u.Author, &at, &created)
	if err := row.Scan(dest...); err != nil {
		return IncidentUpdate{}, err
	}
	if err := json.Unmarshal([]byte(comps), &u.Components); err != nil {
		return IncidentUpdate{}, fmt.Errorf("components: %w", err)
	}
	u.At, u.Created = fromMS(at), fromMS(created)
	return u, nil
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
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	mark, err := s.bumpCommitMark(ctx, tx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	s.noteCommit(mark)
	return nil
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
