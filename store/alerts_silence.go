package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Silence is a component whose alerts are dropped until Until.
type Silence struct {
	Component string    `json:"component"`
	Until     time.Time `json:"until"`
	By        string    `json:"created_by"`
	Created   time.Time `json:"created_at"`
}

// SilenceComponent silences component's alerts until until (replacing a
// silence it had), with actor's audit entry; an until not after now ends
// the silence.
func (s *Store) SilenceComponent(ctx context.Context, component string, until time.Time, actor Actor, now time.Time) error {
	return s.writeTx(ctx, "silence component", func(tx *sql.Tx) error {
		action, after := "alerts.unsilence", any(nil)
		if until.After(now) {
			const q = `INSERT INTO alert_silences (component, until_ms, created_by, created_at_ms) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (component) DO UPDATE SET until_ms = excluded.until_ms, created_by = excluded.created_by, created_at_ms = excluded.created_at_ms`
			if _, err := tx.ExecContext(ctx, q, component, ms(until), actor.Name, ms(now)); err != nil {
				return fmt.Errorf("store: silence %s: %w", component, err)
			}
			action, after = "alerts.silence", Silence{Component: component, Until: until, By: actor.Name, Created: now}
		} else if _, err := tx.ExecContext(ctx, `DELETE FROM alert_silences WHERE component = ?1`, component); err != nil {
			return fmt.Errorf("store: unsilence %s: %w", component, err)
		}
		e := AuditEntry{At: now, Actor: actor, Action: action, ObjectType: "component_silence"}
		if after != nil {
			e.After = mustJSON(after)
		}
		return writeAudit(ctx, tx, e)
	})
}

// Silences returns the silences still running at now, by component.
func (s *Store) Silences(ctx context.Context, now time.Time) (map[string]Silence, error) {
	const q = `SELECT component, until_ms, created_by, created_at_ms FROM alert_silences WHERE until_ms > ?1`
	rows, err := s.rdb.QueryContext(ctx, q, ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: silences: %w", err)
	}
	defer rows.Close()
	out := map[string]Silence{}
	for rows.Next() {
		var si Silence
		var until, created int64
		if err := rows.Scan(&si.Component, &until, &si.By, &created); err != nil {
			return nil, fmt.Errorf("store: silences: %w", err)
		}
		si.Until, si.Created = fromMS(until), fromMS(created)
		out[si.Component] = si
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: silences: %w", err)
	}
	return out, nil
}
