package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Kinds of token.
const (
	// TokenZone lets an agent push results for one zone and read its checks.
	TokenZone = "zone"
	// TokenOperator is for the operator API; Role says what it may do.
	TokenOperator = "operator"
	// TokenHeartbeat lets a job report on the heartbeat check Check.
	TokenHeartbeat = "heartbeat"
)

// Token is a stored credential, without its secret.
type Token struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	Role     string    `json:"role,omitempty"`
	Zone     string    `json:"zone,omitempty"`
	Check    string    `json:"check,omitempty"`
	Name     string    `json:"name"`
	Created  time.Time `json:"created_at"`
	LastUsed time.Time `json:"-"`                   // zero if never used; not audited
	Revoked  time.Time `json:"revoked_at,omitzero"` // zero while valid
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

// CreateToken stores a token's hash with its kind, role, zone and name,
// recorded in the audit log as made from the command line.
func (s *Store) CreateToken(ctx context.Context, t Token, secret string, now time.Time) (int64, error) {
	return s.IssueToken(ctx, t, secret, Actor{Kind: ActorCLI, Name: "cli"}, now)
}

// IssueToken stores a token's hash with its kind, role, zone and name,
// and the audit entry of actor's creating it, in one transaction.
func (s *Store) IssueToken(ctx context.Context, t Token, secret string, actor Actor, now time.Time) (int64, error) {
	var id int64
	err := s.writeTx(ctx, "create token", func(tx *sql.Tx) error {
		const q = `
INSERT INTO tokens (kind, role, zone, check_name, name, hash, created_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id`
		err := tx.QueryRowContext(ctx, q, t.Kind, t.Role, t.Zone, t.Check, t.Name, HashToken(secret), ms(now)).Scan(&id)
		if uniqueViolation(err) {
			return ErrTokenName
		}
		if err != nil {
			return fmt.Errorf("store: create token %q: %w", t.Name, err)
		}
		t.ID, t.Created = id, now
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "token.create",
			ObjectType: "token", ObjectID: id, After: mustJSON(t)})
	})
	return id, err
}

// TokenBySecret returns the valid (not revoked) token whose hash matches
// secret, or ErrNoToken.
func (s *Store) TokenBySecret(ctx context.Context, secret string) (Token, error) {
	const q = `
SELECT id, kind, role, zone, check_name, name, created_at_ms, last_used_at_ms
FROM tokens WHERE hash = ?1 AND revoked_at_ms IS NULL`
	var t Token
	var created int64
	var used sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, q, HashToken(secret)).Scan(&t.ID, &t.Kind, &t.Role, &t.Zone, &t.Check, &t.Name, &created, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNoToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("store: look up token: %w", err)
	}
	t.Created, t.LastUsed = fromMS(created), fromNullMS(used)
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

// RevokeTokenByID revokes a live token, with actor's audit entry, in one
// transaction; ErrNoToken if it is unknown or already revoked.
func (s *Store) RevokeTokenByID(ctx context.Context, id int64, actor Actor, now time.Time) error {
	return s.writeTx(ctx, "revoke token", func(tx *sql.Tx) error {
		before, err := loadToken(ctx, tx, id)
		if err != nil {
			return err
		}
		if !before.Revoked.IsZero() {
			return ErrNoToken
		}
		const q = `UPDATE tokens SET revoked_at_ms = ?2 WHERE id = ?1`
		if _, err := tx.ExecContext(ctx, q, id, ms(now)); err != nil {
			return fmt.Errorf("store: revoke token %d: %w", id, err)
		}
		after := before
		after.Revoked = now
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "token.revoke",
			ObjectType: "token", ObjectID: id, Before: mustJSON(before), After: mustJSON(after)})
	})
}

// tokenColumns are what scanToken reads, in its order.
const tokenColumns = `id, kind, role, zone, check_name, name, created_at_ms, last_used_at_ms, revoked_at_ms`

func scanToken(row scanner) (Token, error) {
	var t Token
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.Kind, &t.Role, &t.Zone, &t.Check, &t.Name, &created, &used, &revoked); err != nil {
		return Token{}, err
	}
	t.Created, t.LastUsed, t.Revoked = fromMS(created), fromNullMS(used), fromNullMS(revoked)
	return t, nil
}

func loadToken(ctx context.Context, db reader, id int64) (Token, error) {
	q := `SELECT ` + tokenColumns + ` FROM tokens WHERE id = ?1`
	t, err := scanToken(db.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNoToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("store: look up token %d: %w", id, err)
	}
	return t, nil
}

// Tokens returns every token, live ones first, then by kind and name.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	q := `SELECT ` + tokenColumns + ` FROM tokens
ORDER BY revoked_at_ms IS NOT NULL, kind, name, id DESC`
	rows, err := s.rdb.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	return out, nil
}
