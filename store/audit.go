package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Actor kinds in the audit log.
const (
	ActorUser  = "user"
	ActorToken = "token"
	ActorCLI   = "cli"
)

// Actor is who made a change: a console user, an API token, or the
// command line.
type Actor struct {
	Kind string
	ID   int64
	Name string
}

// AuditEntry is one change in the append-only audit log. Before and After
// are the object's JSON; Before is nil for a creation.
type AuditEntry struct {
	ID         int64
	At         time.Time
	Actor      Actor
	Action     string
	ObjectType string
	ObjectID   int64
	Before     json.RawMessage
	After      json.RawMessage
}

// writeAudit appends an entry inside the transaction of the change it
// records, so one is never stored without the other.
func writeAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) error {
	const q = `
INSERT INTO audit_log (at_ms, actor_kind, actor_id, actor_name, action, object_type, object_id, before_json, after_json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`
	_, err := tx.ExecContext(ctx, q, ms(e.At), e.Actor.Kind, e.Actor.ID, e.Actor.Name,
		e.Action, e.ObjectType, e.ObjectID, nullJSON(e.Before), nullJSON(e.After))
	if err != nil {
		return fmt.Errorf("store: write audit log: %w", err)
	}
	return nil
}

func nullJSON(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// AuditLog returns up to limit entries with an id above afterID, oldest
// first, for paging through (and exporting) the whole log.
func (s *Store) AuditLog(ctx context.Context, afterID int64, limit int) ([]AuditEntry, error) {
	const q = `
SELECT id, at_ms, actor_kind, actor_id, actor_name, action, object_type, object_id, before_json, after_json
FROM audit_log WHERE id > ?1 ORDER BY id LIMIT ?2`
	rows, err := s.rdb.QueryContext(ctx, q, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read audit log: %w", err)
	}
	return scanAudit(rows)
}

// scanAudit reads and closes rows of audit entries.
func scanAudit(rows *sql.Rows) ([]AuditEntry, error) {
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.Actor.Kind, &e.Actor.ID, &e.Actor.Name, &e.Action,
			&e.ObjectType, &e.ObjectID, &before, &after); err != nil {
			return nil, fmt.Errorf("store: read audit log: %w", err)
		}
		e.At = fromMS(at)
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read audit log: %w", err)
	}
	return out, nil
}

// AuditLogBefore returns up to limit entries with an id below beforeID
// (0: from the newest), newest first, for the console's pages.
func (s *Store) AuditLogBefore(ctx context.Context, beforeID int64, limit int) ([]AuditEntry, error) {
	const q = `
SELECT id, at_ms, actor_kind, actor_id, actor_name, action, object_type, object_id, before_json, after_json
FROM audit_log WHERE CAST(?1 AS BIGINT) = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2`
	rows, err := s.rdb.QueryContext(ctx, q, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read audit log: %w", err)
	}
	return scanAudit(rows)
}
