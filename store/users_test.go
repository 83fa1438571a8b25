package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

var cliActor = Actor{Kind: ActorCLI, Name: "cli:root"}

func TestUsersCreateLookUpPasswordDisable(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if n, err := s.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("fresh store: %d users, %v", n, err)
	}
	id, err := s.CreateUser(ctx, "Ops@Example.com", RoleAdmin, "$argon2id$hash1", cliActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, "ops@example.COM", RoleOperator, "x", cliActor, t0); !errors.Is(err, ErrUserExists) {
		t.Fatalf("same email in other case: %v, want ErrUserExists", err)
	}
	if _, err := s.CreateUser(ctx, "x@example.com", "root", "x", cliActor, t0); err == nil {
		t.Fatal("unknown role stored")
	}
	u, hash, err := s.UserByEmail(ctx, "OPS@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != id || u.Email != "Ops@Example.com" || u.Role != RoleAdmin || hash != "$argon2id$hash1" || !u.Created.Equal(t0) || !u.Disabled.IsZero() {
		t.Fatalf("user %+v hash %q", u, hash)
	}
	if _, _, err := s.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("unknown user: %v", err)
	}
	if n, _ := s.CountUsers(ctx); n != 1 {
		t.Fatalf("%d users", n)
	}

	// A password change revokes every session of the account.
	if _, err := s.CreateSession(ctx, id, "sess-a", t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(time.Minute)
	if err := s.SetPassword(ctx, "ops@example.com", "$argon2id$hash2", cliActor, t1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionBySecret(ctx, "sess-a", t1, 0); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session after password change: %v", err)
	}
	u, hash, _ = s.UserByEmail(ctx, "ops@example.com")
	if hash != "$argon2id$hash2" || !u.PasswordChanged.Equal(t1) {
		t.Fatalf("after SetPassword: %+v %q", u, hash)
	}
	if err := s.SetPassword(ctx, "nobody@example.com", "x", cliActor, t1); !errors.Is(err, ErrNoUser) {
		t.Fatalf("SetPassword unknown: %v", err)
	}

	// Disabling revokes sessions too, and keeps the first disable time.
	if _, err := s.CreateSession(ctx, id, "sess-b", t1, t1.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableUser(ctx, "ops@example.com", cliActor, t1); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableUser(ctx, "ops@example.com", cliActor, t1.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionBySecret(ctx, "sess-b", t1, 0); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session after disable: %v", err)
	}
	if u, _, _ := s.UserByEmail(ctx, "ops@example.com"); !u.Disabled.Equal(t1) {
		t.Fatalf("disabled at %v", u.Disabled)
	}
	if err := s.DisableUser(ctx, "nobody@example.com", cliActor, t1); !errors.Is(err, ErrNoUser) {
		t.Fatalf("DisableUser unknown: %v", err)
	}

	// Each change is audited, and no entry holds a password hash.
	log, err := s.AuditLog(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
		if e.Actor != cliActor || e.ObjectType != "user" || e.ObjectID != id {
			t.Errorf("entry %+v", e)
		}
		if strings.Contains(string(e.Before)+string(e.After), "argon2id") {
			t.Errorf("hash in the audit log: %s %s", e.Before, e.After)
		}
	}
	if got := strings.Join(actions, " "); got != "user.create user.password user.disable user.disable" {
		t.Fatalf("audit actions %q", got)
	}
}

func TestSessionsExpireIdleRevoke(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	uid, err := s.CreateUser(ctx, "op@example.com", RoleOperator, "h", cliActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateSession(ctx, uid, "secret", t0, t0.Add(12*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.SessionBySecret(ctx, "secret", t0.Add(time.Minute), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.User.ID != uid || got.User.Role != RoleOperator || !got.Expires.Equal(t0.Add(12*time.Hour)) {
		t.Fatalf("session %+v", got)
	}
	if _, err := s.SessionBySecret(ctx, "secreT", t0, 0); !errors.Is(err, ErrNoSession) {
		t.Fatalf("wrong secret: %v", err)
	}
	// Idle: 31 minutes without activity ends it; touching keeps it alive.
	if _, err := s.SessionBySecret(ctx, "secret", t0.Add(31*time.Minute), 30*time.Minute); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle session: %v", err)
	}
	if err := s.TouchSession(ctx, id, t0.Add(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionBySecret(ctx, "secret", t0.Add(31*time.Minute), 30*time.Minute); err != nil {
		t.Fatalf("touched session: %v", err)
	}
	// Absolute expiry holds however active the session is.
	if _, err := s.SessionBySecret(ctx, "secret", t0.Add(12*time.Hour), 0); !errors.Is(err, ErrNoSession) {
		t.Fatalf("expired session: %v", err)
	}
	if err := s.RevokeSession(ctx, id, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionBySecret(ctx, "secret", t0.Add(time.Hour), 0); !errors.Is(err, ErrNoSession) {
		t.Fatalf("revoked session: %v", err)
	}
	// Only the hash is stored.
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE hash = ?1`, []byte("secret")).Scan(&n); err != nil || n != 0 {
		t.Fatalf("plain secret stored: %d %v", n, err)
	}
}

func TestUsersListAndByID(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if users, err := s.Users(ctx); err != nil || len(users) != 0 {
		t.Fatalf("fresh store: %v %v", users, err)
	}
	b, _ := s.CreateUser(ctx, "b@example.com", RoleOperator, "$argon2id$b", cliActor, t0)
	a, _ := s.CreateUser(ctx, "a@example.com", RoleAdmin, "$argon2id$a", cliActor, t0)
	if err := s.DisableUser(ctx, "b@example.com", cliActor, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	users, err := s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].ID != a || users[1].ID != b || users[0].Role != RoleAdmin ||
		!users[0].Disabled.IsZero() || !users[1].Disabled.Equal(t0.Add(time.Hour)) {
		t.Fatalf("users %+v", users)
	}
	u, err := s.UserByID(ctx, b)
	if err != nil || u.Email != "b@example.com" || u.Disabled.IsZero() {
		t.Fatalf("UserByID: %+v %v", u, err)
	}
	if _, err := s.UserByID(ctx, 999); !errors.Is(err, ErrNoUser) {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestValidRole(t *testing.T) {
	for role, want := range map[string]bool{RoleAdmin: true, RoleOperator: true, "": false, "root": false, "Admin": false} {
		if ValidRole(role) != want {
			t.Errorf("ValidRole(%q) = %v", role, !want)
		}
	}
}
