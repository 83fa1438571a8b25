package ui

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/store"
)

// sharedNodes opens n stores on one PostgreSQL database, as n nodes of a
// cluster, and returns the shared limits of each.
func sharedNodes(t *testing.T, n int) []*sharedLimits {
	t.Helper()
	srv := pgtest.NewServer(t, pgtest.Options{})
	dsn, err := srv.CreateDB("ampel")
	if err != nil {
		t.Fatal(err)
	}
	var out []*sharedLimits
	for range n {
		st, err := store.OpenPostgres(context.Background(), dsn, store.PostgresOptions{MaxReadConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		out = append(out, newSharedLimits(Deps{Store: st, ClusterLimits: true, Logger: slog.New(slog.DiscardHandler)}))
	}
	return out
}

// Three nodes on one PostgreSQL: a stranger who spreads wrong tokens,
// sign-ups and failed logins over them meets each limit once, not once
// per node.
func TestLimitsHoldAcrossNodes(t *testing.T) {
	nodes := sharedNodes(t, 3)
	now := t0

	t.Run("wrong tokens", func(t *testing.T) {
		var apis []*authFailures
		for _, n := range nodes {
			apis = append(apis, newAuthFailures("agent-auth", n))
		}
		allowed := 0
		for i := range 60 {
			if apis[i%3].fail("192.0.2.7", now) == 0 {
				allowed++
			}
		}
		if allowed != 20 {
			t.Fatalf("%d wrong tokens told 401 over three nodes, want the limit, 20", allowed)
		}
		// Another address and another API count apart.
		if newAuthFailures("agent-auth", nodes[0]).fail("192.0.2.8", now) != 0 {
			t.Error("another address is limited")
		}
		if newAuthFailures("heartbeat-auth", nodes[1]).fail("192.0.2.7", now) != 0 {
			t.Error("the heartbeat API shares the agent API's count")
		}
		// The next window starts afresh.
		if wait := apis[2].fail("192.0.2.7", now.Add(time.Minute)); wait != 0 {
			t.Errorf("next minute: wait %s", wait)
		}
	})

	t.Run("sign-ups", func(t *testing.T) {
		var subs []*subscribeLimits
		for _, n := range nodes {
			subs = append(subs, newSubscribeLimits(5, 20, n))
		}
		allowed := 0
		for i := range 15 {
			if ok, _ := subs[i%3].allow("192.0.2.9", now); ok {
				allowed++
			}
		}
		if allowed != 5 {
			t.Fatalf("%d sign-ups in a minute over three nodes, want 5", allowed)
		}
		day := 5
		for m := 1; m < 10; m++ {
			for i := range 6 {
				if ok, _ := subs[i%3].allow("192.0.2.9", now.Add(time.Duration(m)*time.Minute)); ok {
					day++
				}
			}
		}
		if day != 20 {
			t.Fatalf("%d sign-ups in a day over three nodes, want 20", day)
		}
	})

	t.Run("logins", func(t *testing.T) {
		var ls []*loginLimits
		for _, n := range nodes {
			ls = append(ls, newLoginLimits(n))
		}
		// One address guessing: locked after ipBurst failures in all.
		for i := range ipBurst {
			if wait, _ := ls[i%3].wait("ops@example.com", "192.0.2.10", "", now); wait != 0 {
				t.Fatalf("failure %d refused", i)
			}
			ls[i%3].fail("ops@example.com", "192.0.2.10", "", now)
		}
		for i, l := range ls {
			if wait, lock := l.wait("ops@example.com", "192.0.2.10", "", now); wait <= 0 || lock != lockAddress {
				t.Errorf("node %d lets the address try again: wait %s lock %v", i, wait, lock)
			}
		}
		// Many addresses guessing one account: locked after
		// accountFailures in all, for every untrusted client.
		for i := range accountFailures {
			ls[i%3].fail("boss@example.com", "198.51.100."+strconv.Itoa(i), "", now)
		}
		if wait, lock := ls[1].wait("boss@example.com", "203.0.113.1", "", now); wait <= 0 || lock != lockAccount {
			t.Errorf("the account is not locked: wait %s lock %v", wait, lock)
		}
		// A trusted browser's device cookie counts on its own.
		if wait, _ := ls[2].wait("boss@example.com", "203.0.113.1", "dev-1", now); wait != 0 {
			t.Error("a trusted device is locked by the account's failures")
		}
		for i := range deviceFailures {
			ls[i%3].fail("boss@example.com", "203.0.113.1", "dev-1", now)
		}
		if wait, lock := ls[0].wait("boss@example.com", "203.0.113.1", "dev-1", now); wait <= 0 || lock != lockDevice {
			t.Errorf("the device is not locked: wait %s lock %v", wait, lock)
		}
	})
}

// A flood of fresh addresses must not set free an address that is
// refused: the table drops the address seen least recently that is not
// refused (it used to clear itself whole at 10,000).
func TestAuthFailuresRefusedAddressSurvivesAFlood(t *testing.T) {
	a := newAuthFailures("agent-auth", nil)
	now := t0
	for range 21 {
		a.fail("192.0.2.66", now)
	}
	for i := range maxAuthAddresses + 1 {
		a.fail("10."+strconv.Itoa(i/65536)+"."+strconv.Itoa(i/256%256)+"."+strconv.Itoa(i%256), now)
	}
	if wait := a.fail("192.0.2.66", now); wait <= 0 {
		t.Fatal("after a flood of fresh addresses the guesser is told 401 again")
	}
	if n := a.byIP.len(); n != maxAuthAddresses {
		t.Fatalf("remembers %d addresses, want at most %d", n, maxAuthAddresses)
	}
}
