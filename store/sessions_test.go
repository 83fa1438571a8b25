package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSessionsLiveRevokeAndPrune(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	uid, err := s.CreateUser(ctx, "ops@example.com", RoleOperator, "$argon2id$x", cliActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateUser(ctx, "dev@example.com", RoleOperator, "$argon2id$y", cliActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user   int64
		secret string
	}{{uid, "a"}, {uid, "b"}, {uid, "c"}, {other, "d"}} {
		if _, err := s.CreateSession(ctx, c.user, c.secret, t0, t0.Add(12*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	live := func(secret string, at time.Time) bool {
		t.Helper()
		_, err := s.SessionBySecret(ctx, secret, at, 30*time.Minute)
		if err != nil && !errors.Is(err, ErrNoSession) {
			t.Fatal(err)
		}
		return err == nil
	}
	// Idle: alive before 30 min without use, dead after; a touch renews.
	if !live("a", t0.Add(29*time.Minute)) || live("a", t0.Add(30*time.Minute)) {
		t.Fatal("idle limit wrong")
	}
	se, _ := s.SessionBySecret(ctx, "b", t0, 0)
	if err := s.TouchSession(ctx, se.ID, t0.Add(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if !live("b", t0.Add(49*time.Minute)) {
		t.Fatal("a touch did not renew the session")
	}
	if live("b", t0.Add(12*time.Hour)) {
		t.Fatal("absolute expiry ignored")
	}

	if err := s.RevokeSessionBySecret(ctx, "b", t0); err != nil {
		t.Fatal(err)
	}
	if live("b", t0) || !live("c", t0) {
		t.Fatal("RevokeSessionBySecret revoked the wrong session")
	}
	if err := s.RevokeSessionBySecret(ctx, "unknown", t0); err != nil {
		t.Fatalf("revoking an unknown secret: %v", err)
	}
	// A password change logs out every session of that user, no other.
	if err := s.SetPassword(ctx, "ops@example.com", "$argon2id$z", cliActor, t0); err != nil {
		t.Fatal(err)
	}
	if live("a", t0) || live("c", t0) || !live("d", t0) {
		t.Fatal("SetPassword revoked the wrong sessions")
	}

	// Pruning deletes what ended before the cutoff, keeps the live one.
	pruned, err := s.PruneSessions(ctx, t0.Add(time.Second))
	if err != nil || pruned != 3 {
		t.Fatalf("pruned %d %v, want 3", pruned, err)
	}
	if !live("d", t0) {
		t.Fatal("pruning deleted a live session")
	}
	if pruned, _ := s.PruneSessions(ctx, t0.Add(13*time.Hour)); pruned != 1 {
		t.Fatalf("expired session not pruned: %d", pruned)
	}
}
