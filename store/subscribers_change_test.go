package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestConfirmSubscriber(t *testing.T) {
	s, ctx := openTest(t), context.Background()
	mustSubscribe(t, s, subReq("p@example.org"), subT0, Enqueued)
	id := onlyID(t, s, "p@example.org")
	addToken(t, s, id, PurposeConfirm, "c1", subT0.Add(48*time.Hour))
	addToken(t, s, id, PurposeConfirm, "c-old", subT0.Add(time.Hour))
	addToken(t, s, id, PurposeManage, "m1", time.Time{})
	for _, bad := range []string{"m1", "nope", "c-old", ""} {
		if _, err := s.ConfirmSubscriber(ctx, bad, subT0.Add(2*time.Hour)); !errors.Is(err, ErrNoSubscriber) {
			t.Errorf("confirm with %q: %v, want ErrNoSubscriber", bad, err)
		}
	}
	if sub, _ := s.Subscriber(ctx, id); sub.State != SubscriberPending {
		t.Fatalf("a bad token changed the state: %s", sub.State)
	}
	sub, err := s.ConfirmSubscriber(ctx, "c1", subT0.Add(2*time.Hour))
	if err != nil || sub.State != SubscriberConfirmed || !sub.Confirmed.Equal(subT0.Add(2*time.Hour)) || !sub.Expires.IsZero() {
		t.Fatalf("confirm = %+v, %v", sub, err)
	}
	// Again: a no-op that keeps the first time.
	sub, err = s.ConfirmSubscriber(ctx, "c1", subT0.Add(3*time.Hour))
	if err != nil || !sub.Confirmed.Equal(subT0.Add(2*time.Hour)) {
		t.Errorf("confirm again = %+v, %v", sub, err)
	}
	// An opt-in that ran out cannot be confirmed with a token still valid.
	mustSubscribe(t, s, subReq("late@example.org"), subT0, Enqueued)
	late := onlyID(t, s, "late@example.org")
	addToken(t, s, late, PurposeConfirm, "c-late", subT0.Add(100*time.Hour))
	if _, err := s.ConfirmSubscriber(ctx, "c-late", subT0.Add(49*time.Hour)); !errors.Is(err, ErrNoSubscriber) {
		t.Errorf("confirm past expiry: %v", err)
	}
}

func TestManageByToken(t *testing.T) {
	s, ctx := openTest(t), context.Background()
	mustSubscribe(t, s, subReq("m@example.org"), subT0, Enqueued)
	id := onlyID(t, s, "m@example.org")
	addToken(t, s, id, PurposeConfirm, "conf", subT0.Add(time.Hour))
	addToken(t, s, id, PurposeManage, "man", subT0.Add(24*time.Hour))
	if _, err := s.SubscriberByToken(ctx, PurposeManage, "conf", subT0); !errors.Is(err, ErrNoSubscriber) {
		t.Errorf("a confirm token opened the manage page: %v", err)
	}
	if _, err := s.SubscriberByToken(ctx, PurposeManage, "man", subT0.Add(25*time.Hour)); !errors.Is(err, ErrNoSubscriber) {
		t.Errorf("an expired manage token worked: %v", err)
	}
	sub, err := s.SetSubscriberComponents(ctx, "man", []string{"web", "db", "web"}, subT0)
	if err != nil || sub.All || !slices.Equal(sub.Components, []string{"db", "web"}) {
		t.Fatalf("set components = %+v, %v", sub, err)
	}
	sub, err = s.SetSubscriberComponents(ctx, "man", nil, subT0)
	if err != nil || !sub.All || len(sub.Components) != 0 {
		t.Fatalf("set all = %+v, %v", sub, err)
	}
	if _, err := s.SetSubscriberComponents(ctx, "conf", nil, subT0); !errors.Is(err, ErrNoSubscriber) {
		t.Errorf("a confirm token changed components: %v", err)
	}
}

func TestUnsubscribeDropsQueuedMail(t *testing.T) {
	s, ctx := openTest(t), context.Background()
	mustSubscribe(t, s, subReq("u@example.org"), subT0, Enqueued)
	mustSubscribe(t, s, subReq("u@example.org"), subT0.Add(time.Second), Enqueued)
	id := onlyID(t, s, "u@example.org")
	if err := s.MarkMailSent(ctx, subOutboxID(t, s, 0), subT0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	addToken(t, s, id, PurposeManage, "man", time.Time{})
	sub, err := s.Unsubscribe(ctx, "man", subT0.Add(time.Minute))
	if err != nil || sub.State != SubscriberUnsubscribed || !sub.Unsubscribed.Equal(subT0.Add(time.Minute)) {
		t.Fatalf("unsubscribe = %+v, %v", sub, err)
	}
	if due, err := s.DueMail(ctx, subT0.Add(time.Hour), 10); err != nil || len(due) != 0 {
		t.Errorf("due mail after unsubscribe = %+v, %v; want none", due, err)
	}
	// Given up, not deleted: they still count for the address's limit.
	mustSubscribe(t, s, subReq("u@example.org"), subT0.Add(2*time.Minute), Enqueued)
	mustSubscribe(t, s, subReq("u@example.org"), subT0.Add(3*time.Minute), Limited)
	if _, err := s.Unsubscribe(ctx, "man", subT0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Again: 200-style no-op keeping the first time.
	sub, err = s.Unsubscribe(ctx, "man", subT0.Add(time.Hour))
	if err != nil || !sub.Unsubscribed.Equal(subT0.Add(4*time.Minute)) {
		t.Errorf("unsubscribe again = %+v, %v", sub, err)
	}
	sub, err = s.Resubscribe(ctx, "man", subT0.Add(2*time.Hour))
	if err != nil || sub.State != SubscriberConfirmed {
		t.Errorf("resubscribe = %+v, %v", sub, err)
	}
}

func subOutboxID(t *testing.T, s *Store, i int) int64 {
	t.Helper()
	var id int64
	if err := s.rdb.QueryRow(`SELECT id FROM outbox ORDER BY id LIMIT 1 OFFSET ?1`, i).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestPruneSubscriberTokens(t *testing.T) {
	s, ctx := openTest(t), context.Background()
	mustSubscribe(t, s, subReq("t@example.org"), subT0, Enqueued)
	id := onlyID(t, s, "t@example.org")
	addToken(t, s, id, PurposeManage, "old", subT0.Add(time.Hour))
	addToken(t, s, id, PurposeManage, "new", subT0.Add(48*time.Hour))
	addToken(t, s, id, PurposeManage, "forever", time.Time{})
	n, err := s.PruneSubscriberTokens(ctx, subT0.Add(2*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	if _, err := s.SubscriberByToken(ctx, PurposeManage, "new", subT0.Add(2*time.Hour)); err != nil {
		t.Errorf("a valid token went: %v", err)
	}
	if _, err := s.SubscriberByToken(ctx, PurposeManage, "forever", subT0.Add(2*time.Hour)); err != nil {
		t.Errorf("a token without expiry went: %v", err)
	}
	var left int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM subscriber_tokens WHERE subscriber_id = ?1`, id).Scan(&left); err != nil || left != 2 {
		t.Errorf("%d tokens left, %v; want 2", left, err)
	}
}
