package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// hookByTokenTx runs change in a write transaction on the hook
// subscriber a token of purpose belongs to, and returns it afterwards.
func (s *Store) hookByTokenTx(ctx context.Context, what, purpose, secret string, now time.Time,
	change func(*sql.Tx, Hook) error) (Hook, error) {
	var id int64
	err := s.writeTx(ctx, what, func(tx *sql.Tx) error {
		h, err := hookByToken(ctx, tx, purpose, secret, now)
		if err != nil {
			return err
		}
		id = h.ID
		return change(tx, h)
	})
	if err != nil {
		return Hook{}, err
	}
	return s.Hook(ctx, id)
}

// ConfirmHook confirms the pending subscription a confirmation token
// (delivered to the endpoint in the verification request) belongs to.
// Confirming again is a no-op; an expired or unsubscribed one gives
// ErrNoSubscriber.
func (s *Store) ConfirmHook(ctx context.Context, secret string, now time.Time) (Hook, error) {
	return s.hookByTokenTx(ctx, "confirm hook", PurposeConfirm, secret, now, func(tx *sql.Tx, h Hook) error {
		switch {
		case h.State == HookConfirmed || h.State == HookQuarantined:
			return nil
		case h.State != HookPending || !h.Expires.After(now):
			return ErrNoSubscriber
		}
		const q = `UPDATE hook_subscribers SET confirmed_at_ms = ?2, expires_at_ms = NULL WHERE id = ?1`
		if _, err := tx.ExecContext(ctx, q, h.ID, ms(now)); err != nil {
			return fmt.Errorf("store: confirm hook: %w", err)
		}
		return nil
	})
}

// SetHookComponents replaces the components of the hook subscriber a
// manage token belongs to; none means all.
func (s *Store) SetHookComponents(ctx context.Context, secret string, comps []string, now time.Time) (Hook, error) {
	return s.hookByTokenTx(ctx, "set hook components", PurposeManage, secret, now, func(tx *sql.Tx, h Hook) error {
		const q = `UPDATE hook_subscribers SET all_components = ?2 WHERE id = ?1`
		if _, err := tx.ExecContext(ctx, q, h.ID, len(comps) == 0); err != nil {
			return fmt.Errorf("store: set hook components: %w", err)
		}
		return hookComponents.write(ctx, tx, h.ID, comps)
	})
}

// UnsubscribeHook ends the subscription a manage token belongs to and
// gives up its deliveries not yet sent. Unsubscribing again is a no-op;
// an ended subscription stays ended (signing up again starts anew).
func (s *Store) UnsubscribeHook(ctx context.Context, secret string, now time.Time) (Hook, error) {
	return s.hookByTokenTx(ctx, "unsubscribe hook", PurposeManage, secret, now, func(tx *sql.Tx, h Hook) error {
		if h.State == HookUnsubscribed {
			return nil
		}
		const q = `UPDATE hook_subscribers SET unsubscribed_at_ms = ?2 WHERE id = ?1`
		if _, err := tx.ExecContext(ctx, q, h.ID, ms(now)); err != nil {
			return fmt.Errorf("store: unsubscribe hook: %w", err)
		}
		return dropQueuedHooks(ctx, tx, h.ID, "unsubscribed", now)
	})
}

// dropQueuedHooks gives up what waits for hook subscriber id; the rows
// stay (a verification counts against its host's limit for a day).
func dropQueuedHooks(ctx context.Context, tx *sql.Tx, id int64, why string, now time.Time) error {
	const q = `UPDATE hook_outbox SET failed_at_ms = ?2, last_error = ?3
WHERE hook_id = ?1 AND sent_at_ms IS NULL AND failed_at_ms IS NULL`
	if _, err := tx.ExecContext(ctx, q, id, ms(now), why); err != nil {
		return fmt.Errorf("store: drop queued hooks: %w", err)
	}
	return nil
}

// ListHooks returns up to limit hook subscribers in state (empty: any),
// newest first.
func (s *Store) ListHooks(ctx context.Context, state string, limit int) ([]Hook, error) {
	q := `SELECT ` + hookColumns + ` FROM hook_subscribers h
WHERE ?1 = '' OR ` + hookStateSQL + ` = ?1 ORDER BY h.id DESC LIMIT ?2`
	rows, err := s.rdb.QueryContext(ctx, q, state, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list hooks: %w", err)
	}
	defer rows.Close()
	out := []Hook{}
	for rows.Next() {
		h, err := scanHook(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list hooks: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list hooks: %w", err)
	}
	return out, nil
}

// CountHooks counts hook subscribers per state.
func (s *Store) CountHooks(ctx context.Context) (map[string]int, error) {
	q := `SELECT ` + hookStateSQL + `, count(*) FROM hook_subscribers h GROUP BY 1`
	rows, err := s.rdb.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: count hooks: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("store: count hooks: %w", err)
		}
		out[state] = n
	}
	return out, rows.Err()
}

// ReleaseHook lifts a quarantine (the operator fixed or checked the
// endpoint) and logs "hook_subscriber.release". Its failures before now
// no longer count towards the next quarantine.
func (s *Store) ReleaseHook(ctx context.Context, id int64, actor Actor, now time.Time) error {
	return s.writeTx(ctx, "release hook", func(tx *sql.Tx) error {
		h, err := hookByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if h.State != HookQuarantined {
			return ErrNoSubscriber
		}
		for _, q := range []string{
			`UPDATE hook_subscribers SET quarantined_at_ms = NULL, quarantine_reason = '' WHERE id = ?1`,
			`DELETE FROM hook_attempts WHERE hook_id = ?1 AND outcome <> 'delivered'`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("store: release hook: %w", err)
			}
		}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "hook_subscriber.release",
			ObjectType: "hook_subscriber", ObjectID: id,
			Before: mustJSON(map[string]any{"state": h.State, "host": h.Host, "quarantined_at": h.Quarantined, "reason": h.QuarantineReason})})
	})
}

// DeleteHook removes a hook subscriber with its components, tokens,
// queue and attempts, and logs "hook_subscriber.delete" (without the URL,
// which may carry a token).
func (s *Store) DeleteHook(ctx context.Context, id int64, actor Actor, now time.Time) error {
	return s.writeTx(ctx, "delete hook", func(tx *sql.Tx) error {
		h, err := hookByID(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM hook_outbox WHERE hook_id = ?1`,
			`DELETE FROM hook_attempts WHERE hook_id = ?1`,
			`DELETE FROM hook_tokens WHERE hook_id = ?1`,
			`DELETE FROM hook_subscriber_components WHERE hook_id = ?1`,
			`DELETE FROM hook_subscribers WHERE id = ?1`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("store: delete hook: %w", err)
			}
		}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "hook_subscriber.delete",
			ObjectType: "hook_subscriber", ObjectID: id,
			Before: mustJSON(map[string]any{"kind": h.Kind, "host": h.Host, "state": h.State, "created_at": h.Created})})
	})
}

// ExpireHooks deletes pending hook subscribers whose verification ran
// out more than a day ago (their verification rows count against the
// host's limit until then), and returns how many.
func (s *Store) ExpireHooks(ctx context.Context, now time.Time) (int64, error) {
	const q = `
DELETE FROM hook_subscribers
WHERE confirmed_at_ms IS NULL AND unsubscribed_at_ms IS NULL AND expires_at_ms < ?1
  AND created_at_ms < ?2`
	res, err := s.wdb.ExecContext(ctx, q, ms(now), ms(now.Add(-hookWindow)))
	if err != nil {
		return 0, fmt.Errorf("store: expire hooks: %w", err)
	}
	return res.RowsAffected()
}

// PruneHooks deletes rows sent or given up, and attempts, before before.
func (s *Store) PruneHooks(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.writeTx(ctx, "prune hooks", func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM hook_outbox WHERE sent_at_ms < ?1 OR failed_at_ms < ?1`,
			`DELETE FROM hook_attempts WHERE at_ms < ?1`,
		} {
			res, err := tx.ExecContext(ctx, q, ms(before))
			if err != nil {
				return fmt.Errorf("store: prune hooks: %w", err)
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return n, err
}
