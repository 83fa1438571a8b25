package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is a console login.
type Session struct {
	ID       int64
	User     User
	Created  time.Time
	LastSeen time.Time
	Expires  time.Time
}

// ErrNoSession is returned when no live session matches.
var ErrNoSession = errors.New("no such session")

// CreateSession stores a session for a user, keyed by the SHA-256 of its
// secret, valid until expires.
func (s *Store) CreateSession(ctx context.Context, userID int64, secret string, now, expires time.Time) (int64, error) {
	const q = `
INSERT INTO sessions (hash, user_id, created_at_ms, last_seen_at_ms, expires_at_ms)
VALUES (?1, ?2, ?3, ?3, ?4) RETURNING id`
	var id int64
	if err := s.wdb.QueryRowContext(ctx, q, HashToken(secret), userID, ms(now), ms(expires)).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: create session: %w", err)
	}
	return id, nil
}

// SessionBySecret returns the live session with secret at now: not
// revoked, not past its absolute expiry, not idle longer than idle (0: no
// idle limit), of an enabled account. Otherwise ErrNoSession.
func (s *Store) SessionBySecret(ctx context.Context, secret string, now time.Time, idle time.Duration) (Session, error) {
	const q = `
SELECT s.id, s.created_at_ms, s.last_seen_at_ms, s.expires_at_ms,
       u.id, u.email, u.role, u.created_at_ms, u.password_changed_at_ms
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.hash = ?1 AND s.revoked_at_ms IS NULL AND s.expires_at_ms > ?2
  AND (CAST(?3 AS BIGINT) = 0 OR s.last_seen_at_ms > ?2 - ?3) AND u.disabled_at_ms IS NULL`
	var se Session
	var created, seen, expires, uCreated, uChanged int64
	err := s.rdb.QueryRowContext(ctx, q, HashToken(secret), ms(now), idle.Milliseconds()).Scan(
		&se.ID, &created, &seen, &expires, &se.User.ID, &se.User.Email, &se.User.Role, &uCreated, &uChanged)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: look up session: %w", err)
	}
	se.Created, se.LastSeen, se.Expires = fromMS(created), fromMS(seen), fromMS(expires)
	se.User.Created, se.User.PasswordChanged = fromMS(uCreated), fromMS(uChanged)
	return se, nil
}

// TouchSession records activity on a session at now.
func (s *Store) TouchSession(ctx context.Context, id int64, now time.Time) error {
	// CASE, not max(a, b): PostgreSQL's max is only an aggregate.
	const q = `UPDATE sessions SET last_seen_at_ms = CASE WHEN last_seen_at_ms > ?2 THEN last_seen_at_ms ELSE ?2 END WHERE id = ?1`
	if _, err := s.wdb.ExecContext(ctx, q, id, ms(now)); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// RevokeSession ends a session (logout, or rotation on login).
func (s *Store) RevokeSession(ctx context.Context, id int64, now time.Time) error {
	const q = `UPDATE sessions SET revoked_at_ms = ?2 WHERE id = ?1 AND revoked_at_ms IS NULL`
	if _, err := s.wdb.ExecContext(ctx, q, id, ms(now)); err != nil {
		return fmt.Errorf("store: revoke session: %w", err)
	}
	return nil
}

// RevokeSessionBySecret ends the session with secret, if any: the one a
// browser presents when it logs in again.
func (s *Store) RevokeSessionBySecret(ctx context.Context, secret string, now time.Time) error {
	const q = `UPDATE sessions SET revoked_at_ms = ?2 WHERE hash = ?1 AND revoked_at_ms IS NULL`
	if _, err := s.wdb.ExecContext(ctx, q, HashToken(secret), ms(now)); err != nil {
		return fmt.Errorf("store: revoke session: %w", err)
	}
	return nil
}

// PruneSessions deletes sessions that ended (expired or revoked) before
// cutoff, so the table does not grow with every login.
func (s *Store) PruneSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	const q = `DELETE FROM sessions WHERE expires_at_ms < ?1 OR revoked_at_ms < ?1`
	res, err := s.wdb.ExecContext(ctx, q, ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: prune sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
