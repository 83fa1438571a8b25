// Package auth hashes and checks operator passwords with argon2id and
// makes the random secrets of sessions and API tokens.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams follow OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 12

// maxPasswordLen bounds the work a stranger can make us do per attempt.
const maxPasswordLen = 1024

// ErrMismatch is returned when a password does not match its hash.
var ErrMismatch = errors.New("auth: password does not match")

// hashSlots caps concurrent hashing: each takes Memory of RAM, and a burst
// of logins must not exhaust it.
var hashSlots = make(chan struct{}, 4)

func acquire(ctx context.Context) error {
	select {
	case hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: wait to hash: %w", ctx.Err())
	}
}

func release() { <-hashSlots }

// CheckPasswordPolicy says why a new password is not acceptable, or nil.
func CheckPasswordPolicy(pw string) error {
	if n := len([]rune(pw)); n < MinPasswordLen {
		return fmt.Errorf("password too short: %d characters, want at least %d", n, MinPasswordLen)
	}
	if len(pw) > maxPasswordLen {
		return fmt.Errorf("password too long: want at most %d bytes", maxPasswordLen)
	}
	return nil
}

// HashPassword returns the PHC-style encoding of pw's argon2id hash with a
// fresh salt: $argon2id$v=19$m=...,t=...,p=...$salt$hash.
func HashPassword(ctx context.Context, pw string, p Params) (string, error) {
	if len(pw) > maxPasswordLen {
		return "", fmt.Errorf("auth: password too long")
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt)
	if err := acquire(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	release()
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword checks pw against an encoded hash in constant time. It
// returns ErrMismatch for a wrong password and another error for a hash
// it cannot read.
func VerifyPassword(ctx context.Context, pw, encoded string) error {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return err
	}
	if len(pw) > maxPasswordLen {
		return ErrMismatch
	}
	if err := acquire(ctx); err != nil {
		return err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	release()
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// decode parses what HashPassword encodes.
func decode(encoded string) (Params, []byte, []byte, error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("auth: unreadable password hash: %s", why)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return bad("not argon2id")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return bad("version")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return bad("parameters")
	}
	// Refuse parameters that would let a tampered row exhaust memory or
	// CPU, and ones too weak to be ours.
	if p.Memory < 8*1024 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return bad("parameters out of range")
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return bad("salt")
	}
	key, err := enc.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return bad("key")
	}
	return p, salt, key, nil
}

// OperatorTokenPrefix starts every operator API token, from the CLI or
// the console, so a leaked one is recognisable (and secret scanners can
// match it).
const OperatorTokenPrefix = "ampel_op_"

// NewSecret returns 256 random bits, URL-safe base64, after prefix.
func NewSecret(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}
