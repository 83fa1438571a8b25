package store

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

var subT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func subReq(email string, comps ...string) SubscribeRequest {
	return SubscribeRequest{Email: email, Lang: "de", Components: comps, ConfirmWithin: 48 * time.Hour, MaxConfirms: 3}
}

// mustSubscribe subscribes and wants the outcome.
func mustSubscribe(t *testing.T, s *Store, req SubscribeRequest, now time.Time, want SubscribeOutcome) {
	t.Helper()
	got, err := s.Subscribe(context.Background(), req, now)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Subscribe(%s) = %v, want %v", req.Email, got, want)
	}
}

// subOutboxRow is what the tests read back of an outbox row.
type subOutboxRow struct {
	key, kind string
	sub       int64
	created   int64
	next      int64
}

func subOutbox(t *testing.T, s *Store) []subOutboxRow {
	t.Helper()
	rows, err := s.rdb.Query(`SELECT event_key, kind, subscriber_id, created_at_ms, next_attempt_at_ms FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []subOutboxRow
	for rows.Next() {
		var r subOutboxRow
		if err := rows.Scan(&r.key, &r.kind, &r.sub, &r.created, &r.next); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func addToken(t *testing.T, s *Store, sub int64, purpose, secret string, expires time.Time) {
	t.Helper()
	err := s.AddSubscriberTokens(context.Background(), []SubscriberToken{{SubscriberID: sub, Purpose: purpose, Secret: secret, Expires: expires}}, subT0)
	if err != nil {
		t.Fatal(err)
	}
}

func TestSubscribeCreatesPendingAndConfirmMail(t *testing.T) {
	s, ctx := openTest(t), context.Background()
	mustSubscribe(t, s, subReq("Ann@Example.org", "web", "api"), subT0, Enqueued)
	subs, err := s.ListSubscribers(ctx, SubscriberQuery{Limit: 10})
	if err != nil || len(subs) != 1 {
		t.Fatalf("list: %v %v", subs, err)
	}
	sub := subs[0]
	if sub.Email != "Ann@Example.org" || sub.Lang != "de" || sub.State != SubscriberPending || sub.All ||
		!slices.Equal(sub.Components, []string{"api", "web"}) || !sub.Expires.Equal(subT0.Add(48*time.Hour)) {
		t.Errorf("subscriber = %+v", sub)
	}
	rows := subOutbox(t, s)
	if len(rows) != 1 {
		t.Fatalf("outbox = %+v, want one confirmation", rows)
	}
	r := rows[0]
	if r.kind != MailConfirm || r.sub != sub.ID || !strings.HasPrefix(r.key, "confirm:") || r.next != ms(subT0) || r.created != ms(subT0) {
		t.Errorf("outbox row = %+v", r)
	}
	// The address is case-insensitive: the same subscriber, refreshed
	// with the new language and components (all).
	req := subReq("ann@example.ORG")
	req.Lang = "en"
	mustSubscribe(t, s, req, subT0.Add(time.Minute), Enqueued)
	got, err := s.Subscriber(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Lang != "en" || !got.All || len(got.Components) != 0 || !got.Expires.Equal(subT0.Add(time.Minute+48*time.Hour)) {
		t.Errorf("refreshed = %+v", got)
	}
	if n := len(subOutbox(t, s)); n != 2 {
		t.Errorf("%d outbox rows, want 2", n)
	}
}

func TestSubscribeLimitsConfirmationsPerAddress(t *testing.T) {
	s := openTest(t)
	for i := range 3 {
		mustSubscribe(t, s, subReq("victim@example.org"), subT0.Add(time.Duration(i)*time.Minute), Enqueued)
	}
	for i := range 5 {
		mustSubscribe(t, s, subReq("victim@example.org", "web"), subT0.Add(time.Hour+time.Duration(i)*time.Second), Limited)
	}
	// Limited changes nothing: still all components from the first.
	subs, _ := s.ListSubscribers(context.Background(), SubscriberQuery{Limit: 10})
	if !subs[0].All {
		t.Errorf("limited subscribe changed components: %+v", subs[0])
	}
	if n := len(subOutbox(t, s)); n != 3 {
		t.Fatalf("%d confirmation mails, want 3", n)
	}
	// 24 hours after the first, one more is allowed.
	mustSubscribe(t, s, subReq("victim@example.org"), subT0.Add(24*time.Hour+time.Millisecond), Enqueued)
	mustSubscribe(t, s, subReq("victim@example.org"), subT0.Add(24*time.Hour+2*time.Millisecond), Limited)
	// Other addresses are not affected.
	mustSubscribe(t, s, subReq("other@example.org"), subT0.Add(time.Hour), Enqueued)
}

// TestManageMailsCountAgainstTheLimit: a confirmed address asking again
// gets at most the same 3 mails a day as a new one.
func TestManageMailsCountAgainstTheLimit(t *testing.T) {
	s, ctx := openTest(t), context.Background()
	mustSubscribe(t, s, subReq("c@example.org"), subT0, Enqueued)
	id := onlyID(t, s, "c@example.org")
	addToken(t, s, id, PurposeConfirm, "confirm-secret", subT0.Add(48*time.Hour))
	if _, err := s.ConfirmSubscriber(ctx, "confirm-secret", subT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	mustSubscribe(t, s, subReq("c@example.org"), subT0.Add(2*time.Minute), Reminded)
	mustSubscribe(t, s, subReq("c@example.org"), subT0.Add(3*time.Minute), Reminded)
	mustSubscribe(t, s, subReq("c@example.org"), subT0.Add(4*time.Minute), Limited)
	if n := len(subOutbox(t, s)); n != 3 {
		t.Fatalf("%d mails, want 3 (one confirmation, two manage links)", n)
	}
	mustSubscribe(t, s, subReq("c@example.org"), subT0.Add(24*time.Hour+time.Millisecond), Reminded)
}

func TestSubscribeByState(t *testing.T) {
	s, ctx := openTest(t), context.Background()
	mustSubscribe(t, s, subReq("c@example.org"), subT0, Enqueued)
	id := onlyID(t, s, "c@example.org")
	addToken(t, s, id, PurposeConfirm, "confirm-secret", subT0.Add(48*time.Hour))
	addToken(t, s, id, PurposeManage, "manage-secret", subT0.Add(365*24*time.Hour))
	if _, err := s.ConfirmSubscriber(ctx, "confirm-secret", subT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Confirmed: the subscription stays as it is, and the address gets
	// its manage link, due now.
	mustSubscribe(t, s, subReq("c@example.org", "web"), subT0.Add(2*time.Hour), Reminded)
	if rows := subOutbox(t, s); len(rows) != 2 || rows[1].kind != MailManage || rows[1].sub != id || rows[1].next != ms(subT0.Add(2*time.Hour)) {
		t.Errorf("outbox after subscribing a confirmed address: %+v", rows)
	}
	if sub, _ := s.Subscriber(ctx, id); sub.State != SubscriberConfirmed || !sub.All {
		t.Errorf("a confirmed subscriber changed: %+v", sub)
	}
	due, err := s.DueMail(ctx, subT0.Add(2*time.Hour), 10)
	if err != nil || len(due) != 2 || due[1].Kind != MailManage || !due[1].Active {
		t.Errorf("due: %+v %v; want the manage mail, active", due, err)
	}
	// Unsubscribed: a fresh opt-in.
	if _, err := s.Unsubscribe(ctx, "manage-secret", subT0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	mustSubscribe(t, s, subReq("c@example.org", "web"), subT0.Add(4*time.Hour), Enqueued)
	sub, _ := s.Subscriber(ctx, id)
	if sub.State != SubscriberPending || !sub.Confirmed.IsZero() || !slices.Equal(sub.Components, []string{"web"}) {
		t.Errorf("resubscribed = %+v", sub)
	}
	// Bounced: left alone.
	if err := s.FailMail(ctx, lastOutboxID(t, s), "550 no such user", true, subT0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	mustSubscribe(t, s, subReq("c@example.org"), subT0.Add(6*time.Hour), Unchanged)
}

func onlyID(t *testing.T, s *Store, email string) int64 {
	t.Helper()
	subs, err := s.ListSubscribers(context.Background(), SubscriberQuery{Q: email, Limit: 2})
	if err != nil || len(subs) != 1 {
		t.Fatalf("subscriber %s: %v %v", email, subs, err)
	}
	return subs[0].ID
}

func lastOutboxID(t *testing.T, s *Store) int64 {
	t.Helper()
	var id int64
	if err := s.rdb.QueryRow(`SELECT max(id) FROM outbox`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
