package store

import (
	"context"
	"errors"
	"strings"
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
	if err := s.RevokeTokenByID(ctx, id, Actor{Kind: ActorCLI, Name: "cli"}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenBySecret(ctx, "ampel_zone_secret"); !errors.Is(err, ErrNoToken) {
		t.Fatalf("revoked token still valid: %v", err)
	}
	if err := s.RevokeTokenByID(ctx, id, Actor{Kind: ActorCLI, Name: "cli"}, t0); !errors.Is(err, ErrNoToken) {
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

func TestTokensAreAuditedAndListed(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	admin := Actor{Kind: ActorUser, ID: 1, Name: "root@example.com"}
	op, err := s.IssueToken(ctx, Token{Kind: TokenOperator, Role: RoleOperator, Name: "deploy-bot"}, "ampel_op_x", admin, t0)
	if err != nil {
		t.Fatal(err)
	}
	zone, err := s.CreateToken(ctx, Token{Kind: TokenZone, Zone: "eu", Name: "eu-agents"}, "ampel_zone_y", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.IssueToken(ctx, Token{Kind: TokenOperator, Role: RoleOperator, Name: "deploy-bot"}, "z", admin, t0); !errors.Is(err, ErrTokenName) {
		t.Fatalf("duplicate name: %v", err)
	}
	if err := s.TouchToken(ctx, op, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeTokenByID(ctx, zone, admin, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeTokenByID(ctx, zone, admin, t0.Add(time.Hour)); !errors.Is(err, ErrNoToken) {
		t.Fatalf("revoking twice: %v", err)
	}
	if err := s.RevokeTokenByID(ctx, 999, admin, t0); !errors.Is(err, ErrNoToken) {
		t.Fatalf("revoking an unknown id: %v", err)
	}
	if err := s.RevokeTokenByID(ctx, op, Actor{Kind: ActorCLI, Name: "cli"}, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	toks, err := s.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 2 || toks[0].ID != op || toks[1].ID != zone || !toks[0].LastUsed.Equal(t0.Add(time.Minute)) ||
		!toks[1].Revoked.Equal(t0.Add(time.Hour)) || toks[1].Zone != "eu" || toks[0].Role != RoleOperator {
		t.Fatalf("tokens %+v", toks)
	}

	log, err := s.AuditLog(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		action string
		actor  string
		id     int64
	}{{"token.create", "root@example.com", op}, {"token.create", "cli", zone}, {"token.revoke", "root@example.com", zone}, {"token.revoke", "cli", op}}
	if len(log) != len(want) {
		t.Fatalf("%d audit entries, want %d", len(log), len(want))
	}
	for i, w := range want {
		e := log[i]
		if e.Action != w.action || e.Actor.Name != w.actor || e.ObjectType != "token" || e.ObjectID != w.id {
			t.Errorf("entry %d: %+v, want %+v", i, e, w)
		}
		if strings.Contains(string(e.After), "ampel_") || strings.Contains(string(e.After), "hash") {
			t.Errorf("entry %d holds a secret: %s", i, e.After)
		}
	}
	if log[2].Before == nil || !strings.Contains(string(log[2].After), `"revoked_at"`) || strings.Contains(string(log[2].Before), `"revoked_at"`) {
		t.Errorf("revoke entry before %s after %s", log[2].Before, log[2].After)
	}

	// Newest first, a page at a time.
	page, err := s.AuditLogBefore(ctx, 0, 3)
	if err != nil || len(page) != 3 || page[0].ID != log[3].ID || page[2].ID != log[1].ID {
		t.Fatalf("first page %+v %v", page, err)
	}
	page, err = s.AuditLogBefore(ctx, page[2].ID, 3)
	if err != nil || len(page) != 1 || page[0].ID != log[0].ID {
		t.Fatalf("second page %+v %v", page, err)
	}

	// Live tokens come first.
	fresh, err := s.IssueToken(ctx, Token{Kind: TokenZone, Zone: "us", Name: "us-agents"}, "w", admin, t0)
	if err != nil {
		t.Fatal(err)
	}
	if toks, err := s.Tokens(ctx); err != nil || len(toks) != 3 || toks[0].ID != fresh {
		t.Fatalf("tokens %+v %v", toks, err)
	}
}

// TestHeartbeatTokens: a heartbeat token names its check, is found by
// its secret like any other and cannot be made without a check.
func TestHeartbeatTokens(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id, err := s.CreateToken(ctx, Token{Kind: TokenHeartbeat, Check: "nightly-backup", Name: "nightly-backup"}, "ampel_hb_secret", t0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenBySecret(ctx, "ampel_hb_secret")
	if err != nil || got.ID != id || got.Kind != TokenHeartbeat || got.Check != "nightly-backup" {
		t.Fatalf("token %+v, %v", got, err)
	}
	all, err := s.Tokens(ctx)
	if err != nil || len(all) != 1 || all[0].Check != "nightly-backup" {
		t.Fatalf("Tokens() = %+v, %v", all, err)
	}
	if _, err := s.CreateToken(ctx, Token{Kind: TokenHeartbeat, Name: "no-check"}, "other", t0); err == nil {
		t.Fatal("a heartbeat token without a check was stored")
	}
}
