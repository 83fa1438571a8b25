package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Kinds of token.
const (
	// TokenZone lets an agent push results for one zone and read its checks.
	TokenZone = "zone"
	// TokenOperator is for the operator API; Role says what it may do.
	TokenOperator = "operator"
)

// Token is a stored credential, without its secret.
type Token struct {
	ID         int64
	Kind, Role string
	Zone, Name string
	Created    time.Time
	LastUsed   time.Time // zero if never used
	Revoked    time.Time // zero while valid
}

// ErrTokenName is returned by CreateToken when a live token of the kind
// already has the name.
var ErrTokenName = errors.New("a token with this name already exists")

// ErrNoToken is returned when no valid token matches.
var ErrNoToken = errors.New("no such token")

// HashToken is how tokens are stored: SHA-256. Tokens are 256 random bits,
// so no slow, salted hash is needed against guessing.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateToken stores a token's hash with its kind, role, zone and name.
func (s *Store) CreateToken(ctx context.Context, t Token, secret string, now time.Time) (int64, error) {
	const q = `
INSERT INTO tokens (kind, role, zone, name, hash, created_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id`
	var id int64
	err := s.wdb.QueryRowContext(ctx, q, t.Kind, t.Role, t.Zone, t.Name, HashToken(secret), ms(now)).Scan(&id)
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
		return 0, ErrTokenName
	}
	if err != nil {
		return 0, fmt.Errorf("store: create token %q: %w", t.Name, err)
	}
	return id, nil
}

// TokenBySecret returns the valid (not revoked) token whose hash matches
// secret, or ErrNoToken.
func (s *Store) TokenBySecret(ctx context.Context, secret string) (Token, error) {
	const q = `
SELECT id, kind, role, zone, name, created_at_ms, last_used_at_ms
FROM tokens WHERE hash = ?1 AND revoked_at_ms IS NULL`
	var t Token
	var created int64
	var used sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, q, HashToken(secret)).Scan(&t.ID, &t.Kind, &t.Role, &t.Zone, &t.Name, &created, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNoToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("store: look up token: %w", err)
	}
	t.Created = fromMS(created)
	if used.Valid {
		t.LastUsed = fromMS(used.Int64)
	}
	return t, nil
}

// TouchToken records that a token was used at now.
func (s *Store) TouchToken(ctx context.Context, id int64, now time.Time) error {
	const q = `UPDATE tokens SET last_used_at_ms = ?2 WHERE id = ?1`
	if _, err := s.wdb.ExecContext(ctx, q, id, ms(now)); err != nil {
		return fmt.Errorf("store: touch token: %w", err)
	}
	return nil
}

// RevokeToken revokes the live token of a kind with a name.
func (s *Store) RevokeToken(ctx context.Context, kind, name string, now time.Time) error {
	const q = `UPDATE tokens SET revoked_at_ms = ?3 WHERE kind = ?1 AND name = ?2 AND revoked_at_ms IS NULL`
	res, err := s.wdb.ExecContext(ctx, q, kind, name, ms(now))
	if err != nil {
		return fmt.Errorf("store: revoke token %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoToken
	}
	return nil
}
