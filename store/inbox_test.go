package store

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// An agent's resend is stored once per (source, seq); heartbeat calls,
// without a sequence, each once; the leader reads them in order, marks
// them applied, and they are no longer pending.
func TestInboxKeepsEachEntryOnce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	body := func(v string) json.RawMessage { return json.RawMessage(`{"v":"` + v + `"}`) }
	n, err := s.PutInbox(ctx, "agent-1", []InboxEntry{{Seq: 1, Body: body("a")}, {Seq: 2, Body: body("b")}}, t0)
	if err != nil || n != 2 {
		t.Fatalf("first push: %d, %v", n, err)
	}
	// The ack was lost: the agent sends 2 again with 3.
	if n, err = s.PutInbox(ctx, "agent-1", []InboxEntry{{Seq: 2, Body: body("b again")}, {Seq: 3, Body: body("c")}}, t0.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("resend: stored %d, %v; want 1", n, err)
	}
	// Another agent's sequence is its own; calls without one all count.
	if n, err = s.PutInbox(ctx, "agent-2", []InboxEntry{{Seq: 1, Body: body("x")}}, t0); err != nil || n != 1 {
		t.Fatalf("agent-2: %d, %v", n, err)
	}
	for range 2 {
		if n, err = s.PutInbox(ctx, "heartbeat:backup", []InboxEntry{{Body: body("call")}}, t0); err != nil || n != 1 {
			t.Fatalf("heartbeat call: %d, %v", n, err)
		}
	}
	got, err := s.PendingInbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, it := range got {
		seen = append(seen, it.Source+":"+string(it.Body))
	}
	want := []string{`agent-1:{"v":"a"}`, `agent-1:{"v":"b"}`, `agent-1:{"v":"c"}`, `agent-2:{"v":"x"}`, `heartbeat:backup:{"v":"call"}`, `heartbeat:backup:{"v":"call"}`}
	if len(seen) != len(want) {
		t.Fatalf("pending %q, want %q", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("pending %q, want %q", seen, want)
		}
	}
	if got[2].Seq != 3 || got[4].Seq != 0 || !got[0].Received.Equal(t0) {
		t.Errorf("items %+v", got)
	}
	if err := s.MarkInboxApplied(ctx, []int64{got[0].ID, got[1].ID}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if rest, _ := s.PendingInbox(ctx, 100); len(rest) != 4 || rest[0].ID != got[2].ID {
		t.Fatalf("after applying two: %+v", rest)
	}
	if n, err := s.PruneInbox(ctx, t0.Add(2*time.Minute)); err != nil || n != 2 {
		t.Fatalf("prune: %d, %v", n, err)
	}
}

// Hits on one key from two stores on one database add up in one window
// (the PostgreSQL pass: two nodes); the next window starts at zero.
func TestRateHitsCount(t *testing.T) {
	a := openTest(t)
	ctx := context.Background()
	k := RateKey{Key: "login-address:192.0.2.1", Window: time.Minute}
	other := RateKey{Key: "login-account:ops@example.com", Window: time.Hour}
	now := t0.Add(10 * time.Second)
	for i := 1; i <= 3; i++ {
		hits, err := a.CountHits(ctx, now, k, other)
		if err != nil {
			t.Fatal(err)
		}
		if hits[0] != int64(i) || hits[1] != int64(i) {
			t.Fatalf("hit %d: %v", i, hits)
		}
	}
	if hits, err := a.Hits(ctx, now.Add(49*time.Second), k); err != nil || hits[0] != 3 {
		t.Fatalf("peek in the same window: %v, %v", hits, err)
	}
	if end := k.WindowEnd(now); !end.Equal(t0.Add(time.Minute)) {
		t.Errorf("window ends %s", end)
	}
	next := t0.Add(time.Minute)
	if hits, _ := a.Hits(ctx, next, k); hits[0] != 0 {
		t.Errorf("next window starts at %d", hits[0])
	}
	if hits, _ := a.CountHits(ctx, next, k); hits[0] != 1 {
		t.Errorf("first hit of the next window counts %d", hits[0])
	}
	if n, err := a.PruneRateHits(ctx, next); err != nil || n != 2 { // both windows that started before next
		t.Errorf("prune: %d, %v", n, err)
	}
}
