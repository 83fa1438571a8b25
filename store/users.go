package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Operator roles.
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
)

// User is an operator account, without its password hash.
type User struct {
	ID              int64     `json:"id"`
	Email           string    `json:"email"`
	Role            string    `json:"role"`
	Created         time.Time `json:"created_at"`
	PasswordChanged time.Time `json:"password_changed_at"`
	Disabled        time.Time `json:"disabled_at,omitzero"` // zero while enabled
}

// ErrUserExists is returned by CreateUser for an email already taken
// (compared without case).
var ErrUserExists = errors.New("a user with this email already exists")

// ErrNoUser is returned when no account matches.
var ErrNoUser = errors.New("no such user")

// CreateUser stores an account with its encoded password hash, and its
// audit entry, in one transaction.
func (s *Store) CreateUser(ctx context.Context, email, role, passwordHash string, actor Actor, now time.Time) (int64, error) {
	var id int64
	err := s.writeTx(ctx, "create user", func(tx *sql.Tx) error {
		const q = `
INSERT INTO users (email, password_hash, role, created_at_ms, password_changed_at_ms)
VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id`
		err := tx.QueryRowContext(ctx, q, email, passwordHash, role, ms(now)).Scan(&id)
		if uniqueViolation(err) {
			return ErrUserExists
		}
		if err != nil {
			return fmt.Errorf("store: create user: %w", err)
		}
		after := User{ID: id, Email: email, Role: role, Created: now, PasswordChanged: now}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "user.create",
			ObjectType: "user", ObjectID: id, After: mustJSON(after)})
	})
	return id, err
}

// UserByEmail returns the account with email (any case) and its password
// hash, or ErrNoUser. Disabled accounts are returned too: callers check.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, string, error) {
	u, err := loadUser(ctx, s.rdb, `email = ?1`, email)
	return u.User, u.hash, err
}

// storedUser is a User with its hash; the hash is unexported so the audit
// log's JSON of a user never holds it.
type storedUser struct {
	User
	hash string
}

// userColumns are what scanUser reads, in its order.
const userColumns = `id, email, role, created_at_ms, password_changed_at_ms, disabled_at_ms`

// scanUser reads userColumns, then the columns more points to.
func scanUser(row scanner, more ...any) (User, error) {
	var u User
	var created, changed int64
	var disabled sql.NullInt64
	dest := append([]any{&u.ID, &u.Email, &u.Role, &created, &changed, &disabled}, more...)
	if err := row.Scan(dest...); err != nil {
		return User{}, err
	}
	u.Created, u.PasswordChanged, u.Disabled = fromMS(created), fromMS(changed), fromNullMS(disabled)
	return u, nil
}

// loadUser reads the account, with its hash, that where (a condition on
// users taking arg) selects, or ErrNoUser.
func loadUser(ctx context.Context, db reader, where string, arg any) (storedUser, error) {
	q := `SELECT ` + userColumns + `, password_hash FROM users WHERE ` + where
	var hash string
	u, err := scanUser(db.QueryRowContext(ctx, q, arg), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return storedUser{}, ErrNoUser
	}
	if err != nil {
		return storedUser{}, fmt.Errorf("store: look up user: %w", err)
	}
	return storedUser{User: u, hash: hash}, nil
}

// CountUsers returns the number of accounts, disabled ones included.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	const q = `SELECT count(*) FROM users`
	var n int
	if err := s.rdb.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// SetPassword replaces an account's password hash and revokes all its
// sessions, in one transaction with its audit entry: a changed password
// logs everyone out.
func (s *Store) SetPassword(ctx context.Context, email, passwordHash string, actor Actor, now time.Time) error {
	const q = `UPDATE users SET password_hash = ?2, password_changed_at_ms = ?3 WHERE email = ?1 RETURNING id`
	return s.userChange(ctx, "user.password", q, actor, now, email, passwordHash, ms(now))
}

// DisableUser disables an account and revokes all its sessions.
func (s *Store) DisableUser(ctx context.Context, email string, actor Actor, now time.Time) error {
	const q = `UPDATE users SET disabled_at_ms = coalesce(disabled_at_ms, ?2) WHERE email = ?1 RETURNING id`
	return s.userChange(ctx, "user.disable", q, actor, now, email, ms(now))
}

// userChange runs q (which returns the user's id), revokes the user's
// sessions and writes the audit entry, in one transaction.
func (s *Store) userChange(ctx context.Context, action, q string, actor Actor, now time.Time, args ...any) error {
	return s.writeTx(ctx, action, func(tx *sql.Tx) error {
		before, err := loadUser(ctx, tx, `email = ?1`, args[0])
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: %s: %w", action, err)
		}
		const revoke = `UPDATE sessions SET revoked_at_ms = ?2 WHERE user_id = ?1 AND revoked_at_ms IS NULL`
		if _, err := tx.ExecContext(ctx, revoke, before.ID, ms(now)); err != nil {
			return fmt.Errorf("store: %s: revoke sessions: %w", action, err)
		}
		after, err := loadUser(ctx, tx, `email = ?1`, args[0])
		if err != nil {
			return err
		}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: action,
			ObjectType: "user", ObjectID: before.ID, Before: mustJSON(before), After: mustJSON(after)})
	})
}

// Users returns every account, disabled ones included, by email.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	q := `SELECT ` + userColumns + ` FROM users ORDER BY email`
	rows, err := s.rdb.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}

// UserByID returns the account with id, or ErrNoUser.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := loadUser(ctx, s.rdb, `id = ?1`, id)
	return u.User, err
}
