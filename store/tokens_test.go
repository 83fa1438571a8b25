package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestTokensCreateLookUpTouchRevoke(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id, err := s.CreateToken(ctx, Token{Kind: TokenZone, Zone: "eu", Name: "eu-agents"}, "ampel_zone_secret", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateToken(ctx, Token{Kind: TokenZone, Zone: "us", Name: "eu-agents"}, "other", t0); !errors.Is(err, ErrTokenName) {
		t.Fatalf("same name again: %v, want ErrTokenName", err)
	}
	got, err := s.TokenBySecret(ctx, "ampel_zone_secret")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Zone != "eu" || got.Kind != TokenZone || !got.Created.Equal(t0) || !got.LastUsed.IsZero() {
		t.Fatalf("token %+v", got)
	}
	if _, err := s.TokenBySecret(ctx, "ampel_zone_secreT"); !errors.Is(err, ErrNoToken) {
		t.Fatalf("wrong secret: %v", err)
	}
	if err := s.TouchToken(ctx, id, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TokenBySecret(ctx, "ampel_zone_secret"); !got.LastUsed.Equal(t0.Add(time.Minute)) {
		t.Fatalf("last used %v", got.LastUsed)
	}
	// The database holds the hash only.
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM tokens WHERE hash = ?1`, []byte("ampel_zone_secret")).Scan(&n); err != nil || n != 0 {
		t.Fatalf("plain token stored: %d %v", n, err)
	}
	if err := s.RevokeToken(ctx, TokenZone, "eu-agents", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenBySecret(ctx, "ampel_zone_secret"); !errors.Is(err, ErrNoToken) {
		t.Fatalf("revoked token still valid: %v", err)
	}
	if err := s.RevokeToken(ctx, TokenZone, "eu-agents", t0); !errors.Is(err, ErrNoToken) {
		t.Fatalf("revoke twice: %v", err)
	}
	// The name is free again once revoked.
	if _, err := s.CreateToken(ctx, Token{Kind: TokenZone, Zone: "eu", Name: "eu-agents"}, "new", t0); err != nil {
		t.Fatal(err)
	}
}

func TestAgentPushesAccumulate(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, ok, err := s.Agent(ctx, "a1"); ok || err != nil {
		t.Fatalf("unknown agent: %v %v", ok, err)
	}
	push := AgentPush{AckedSeq: 10, Results: 10, SpoolDepth: 3, Version: "1", Received: t0, AgentSentAt: t0.Add(-40 * time.Second)}
	if err := s.RecordAgentPush(ctx, "a1", "eu", push); err != nil {
		t.Fatal(err)
	}
	push = AgentPush{AckedSeq: 7, Results: 2, Resent: 5, Gap: 1, Rejected: 1, SpoolDropped: 4, Received: t0.Add(time.Second), AgentSentAt: t0.Add(time.Second)}
	if err := s.RecordAgentPush(ctx, "a1", "eu", push); err != nil {
		t.Fatal(err)
	}
	a, ok, err := s.Agent(ctx, "a1")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	want := Agent{ID: "a1", Zone: "eu", AckedSeq: 10, Results: 12, Resent: 5, Gap: 1, Rejected: 1, SpoolDropped: 4,
		Received: t0.Add(time.Second), AgentSentAt: t0.Add(time.Second)}
	if a != want {
		t.Fatalf("agent\n got %+v\nwant %+v", a, want)
	}
	if err := s.RecordAgentPush(ctx, "b1", "us", AgentPush{Received: t0, AgentSentAt: t0.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Agents(ctx)
	if err != nil || len(all) != 2 || all[1].ClockOffset != -time.Minute {
		t.Fatalf("agents %+v %v", all, err)
	}
}
