package store

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

// confirmed subscribes an address and confirms it with a token.
func confirmed(t *testing.T, s *Store, email string, comps ...string) int64 {
	t.Helper()
	mustSubscribe(t, s, subReq(email, comps...), subT0, Enqueued)
	id := onlyID(t, s, email)
	secret := "confirm-" + email
	addToken(t, s, id, PurposeConfirm, secret, time.Time{})
	if _, err := s.ConfirmSubscriber(context.Background(), secret, subT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestListAndCountSubscribers(t *testing.T) {
	s, ctx := openTest(t), context.Background()
	confirmed(t, s, "all@example.org")
	confirmed(t, s, "web@example.org", "web")
	confirmed(t, s, "both@example.org", "web", "db")
	mustSubscribe(t, s, subReq("pending_1@example.org", "db"), subT0, Enqueued)
	mustSubscribe(t, s, subReq("pending%2@other.example"), subT0, Enqueued)

	emails := func(q SubscriberQuery) string {
		t.Helper()
		q.Limit = max(q.Limit, 1)
		subs, err := s.ListSubscribers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, sub := range subs {
			out = append(out, sub.Email)
		}
		return strings.Join(out, " ")
	}
	cases := []struct {
		q    SubscriberQuery
		want string
	}{
		{SubscriberQuery{Limit: 10}, "all@example.org web@example.org both@example.org pending_1@example.org pending%2@other.example"},
		{SubscriberQuery{Q: "WEB", Limit: 10}, "web@example.org"},
		{SubscriberQuery{Q: "_", Limit: 10}, "pending_1@example.org"},
		{SubscriberQuery{Q: "%", Limit: 10}, "pending%2@other.example"},
		{SubscriberQuery{Component: "db", Limit: 10}, "all@example.org both@example.org pending_1@example.org pending%2@other.example"},
		{SubscriberQuery{Component: "web", State: SubscriberConfirmed, Limit: 10}, "all@example.org web@example.org both@example.org"},
		{SubscriberQuery{State: SubscriberPending, Limit: 10}, "pending_1@example.org pending%2@other.example"},
		{SubscriberQuery{Limit: 2}, "all@example.org web@example.org"},
	}
	for _, c := range cases {
		if got := emails(c.q); got != c.want {
			t.Errorf("%+v: %q, want %q", c.q, got, c.want)
		}
	}
	// Paging by id.
	first, _ := s.ListSubscribers(ctx, SubscriberQuery{Limit: 2})
	if got := emails(SubscriberQuery{After: first[1].ID, Limit: 2}); got != "both@example.org pending_1@example.org" {
		t.Errorf("second page = %q", got)
	}

	c, err := s.CountSubscribers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantStates := map[string]int{SubscriberPending: 2, SubscriberConfirmed: 3, SubscriberUnsubscribed: 0, SubscriberBounced: 0}
	if !maps.Equal(c.States, wantStates) || c.All != 1 || !maps.Equal(c.Components, map[string]int{"web": 2, "db": 1}) {
		t.Errorf("counts = %+v", c)
	}
}

func TestDeleteSubscriberForgetsEverything(t *testing.T) {
	s, ctx := openTest(t), context.Background()
	id := confirmed(t, s, "forget-me@example.org", "web")
	keep := confirmed(t, s, "keep@example.org", "web")
	addToken(t, s, id, PurposeManage, "man", time.Time{})
	actor := Actor{Kind: ActorUser, ID: 7, Name: "op"}
	if err := s.DeleteSubscriber(ctx, id, actor, subT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"subscribers", "subscriber_components", "subscriber_tokens", "outbox"} {
		col := "subscriber_id"
		if table == "subscribers" {
			col = "id"
		}
		var n int
		if err := s.rdb.QueryRow(`SELECT count(*) FROM `+table+` WHERE `+col+` = ?1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s still has %d rows of the deleted subscriber", table, n)
		}
	}
	if _, err := s.Subscriber(ctx, keep); err != nil {
		t.Errorf("the other subscriber: %v", err)
	}
	log, err := s.AuditLog(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Action != "subscriber.delete" || log[0].ObjectID != id || log[0].Actor != actor {
		t.Fatalf("audit log = %+v", log)
	}
	if strings.Contains(string(log[0].Before), "forget-me") {
		t.Errorf("the audit entry keeps the deleted address: %s", log[0].Before)
	}
	if err := s.DeleteSubscriber(ctx, id, actor, subT0); !errors.Is(err, ErrNoSubscriber) {
		t.Errorf("delete again: %v, want ErrNoSubscriber", err)
	}
}

func TestExpireSubscribers(t *testing.T) {
	s, ctx := openTest(t), context.Background()
	short := func(email string, at time.Time) {
		req := subReq(email)
		req.ConfirmWithin = time.Hour
		mustSubscribe(t, s, req, at, Enqueued)
	}
	short("old@example.org", subT0)
	short("recent@example.org", subT0.Add(20*time.Hour))
	short("open@example.org", subT0.Add(24*time.Hour+30*time.Minute))
	keep := confirmed(t, s, "confirmed@example.org")
	// At 25 h: old ran out a day ago; recent ran out but its mail is
	// younger than 24 h (deleting it would reset the address's limit);
	// open has not run out.
	n, err := s.ExpireSubscribers(ctx, subT0.Add(25*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	subs, _ := s.ListSubscribers(ctx, SubscriberQuery{Limit: 10})
	var left []string
	for _, sub := range subs {
		left = append(left, sub.Email)
	}
	if got := strings.Join(left, " "); got != "recent@example.org open@example.org confirmed@example.org" {
		t.Errorf("left after expiry: %s", got)
	}
	if n, err := s.ExpireSubscribers(ctx, subT0.Add(72*time.Hour)); err != nil || n != 2 {
		t.Errorf("later expiry removed %d, %v; want 2", n, err)
	}
	if _, err := s.Subscriber(ctx, keep); err != nil {
		t.Errorf("confirmed subscriber expired: %v", err)
	}
}
