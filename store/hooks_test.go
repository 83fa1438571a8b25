package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

var hookT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func hookReq(url string, comps ...string) HookRequest {
	return HookRequest{Kind: HookWebhook, URL: url, Host: "hooks.example.com", Secret: "whsec_x", ManageSecret: "manage-" + url,
		Lang: "en", Components: comps, ConfirmWithin: 48 * time.Hour, MaxPerHost: 3}
}

// confirmedHook signs url up and confirms it by a token, as the link in
// the verification request does.
func confirmedHook(t *testing.T, s *Store, url string, comps ...string) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := s.SubscribeHook(ctx, hookReq(url, comps...), hookT0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddHookTokens(ctx, []HookToken{{HookID: id, Purpose: PurposeConfirm, Secret: "confirm-" + url, Expires: hookT0.Add(time.Hour)}}, hookT0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfirmHook(ctx, "confirm-"+url, hookT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The verification row is done with.
	due, err := s.DueHooks(ctx, hookT0.Add(time.Minute), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range due {
		if d.Hook.ID == id && d.Kind == HookVerify {
			if d.Active {
				t.Fatalf("verification of a confirmed hook is active: %+v", d)
			}
			if _, err := s.RecordHooks(ctx, []HookResult{{RowID: d.ID, HookID: id, Err: "confirmed"}}, Quarantine{}, hookT0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return id
}

func TestSubscribeHookQueuesVerificationAndLimitsHost(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id, err := s.SubscribeHook(ctx, hookReq("https://hooks.example.com/a", "api"), hookT0)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.HookByToken(ctx, PurposeManage, "manage-https://hooks.example.com/a", hookT0)
	if err != nil || h.ID != id || h.State != HookPending || h.All || !slices.Equal(h.Components, []string{"api"}) || h.Secret != "whsec_x" {
		t.Fatalf("by manage token: %+v, %v", h, err)
	}
	due, err := s.DueHooks(ctx, hookT0, 10)
	if err != nil || len(due) != 1 || due[0].Kind != HookVerify || !due[0].Active || due[0].Hook.URL != "https://hooks.example.com/a" {
		t.Fatalf("due %+v, %v", due, err)
	}
	// Past the verification window the request is no longer wanted.
	if due, _ := s.DueHooks(ctx, hookT0.Add(49*time.Hour), 10); len(due) != 1 || due[0].Active {
		t.Fatalf("due after expiry %+v", due)
	}
	for i := range 2 {
		if _, err := s.SubscribeHook(ctx, hookReq("https://hooks.example.com/b"+string(rune('0'+i))), hookT0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SubscribeHook(ctx, hookReq("https://hooks.example.com/c"), hookT0.Add(time.Hour)); !errors.Is(err, ErrHookLimited) {
		t.Fatalf("fourth sign-up for the host within a day: %v", err)
	}
	if _, err := s.SubscribeHook(ctx, hookReq("https://hooks.example.com/c"), hookT0.Add(25*time.Hour)); err != nil {
		t.Fatalf("a day later: %v", err)
	}
}

func TestHookEventsGoToConfirmedSubscribersOfTheirComponents(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	all := confirmedHook(t, s, "https://hooks.example.com/all")
	web := confirmedHook(t, s, "https://hooks.example.com/web", "web")
	if _, err := s.SubscribeHook(ctx, hookReq("https://hooks.example.com/pending"), hookT0); err != nil {
		t.Fatal(err)
	}
	// A component change through the writer, in its transaction.
	w := s.StartWriter(WriterOptions{})
	defer w.Close(ctx)
	w.Write(nil, []status.Change{
		{Kind: status.Component, Subject: "api", At: hookT0.Add(time.Hour), From: status.Up, To: status.Down},
		{Kind: status.Component, Subject: "web", At: hookT0.Add(time.Hour), From: status.NoData, To: status.Up},
		{Kind: status.Check, Subject: "api-health", At: hookT0.Add(time.Hour), From: status.Up, To: status.Down},
	})
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.HookWake():
	default:
		t.Error("no wake after the writer queued hooks")
	}
	// An incident on web.
	comps := map[string]string{"web": "partial_outage"}
	if _, err := s.CreateIncident(ctx, Incident{Name: "Web slow", Status: "investigating", Impact: "minor", Components: comps, Started: hookT0},
		IncidentUpdate{Status: "investigating", Body: "Looking", Components: comps, DeliverNotifications: true, At: hookT0}, tokenActor, hookT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// The writer queues at the wall clock.
	due, err := s.DueHooks(ctx, time.Now().Add(time.Minute), 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range due {
		if d.Kind == HookVerify {
			continue
		}
		who := map[int64]string{all: "all", web: "web"}[d.Hook.ID]
		got = append(got, who+" "+d.Kind+" "+d.Component+" "+d.From+">"+d.To)
		if !d.Active {
			t.Errorf("inactive %+v", d)
		}
	}
	want := []string{"all component api operational>major_outage", "all incident  >", "web incident  >"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("queued %q, want %q", got, want)
	}
}

func TestRecordHooksRetriesConfirmsAndQuarantines(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id := confirmedHook(t, s, "https://hooks.example.com/q")
	pend, err := s.SubscribeHook(ctx, hookReq("https://hooks.example.com/echo"), hookT0)
	if err != nil {
		t.Fatal(err)
	}
	q := Quarantine{Failures: 3, Window: time.Hour}
	// An echoed challenge confirms.
	due, _ := s.DueHooks(ctx, hookT0, 10)
	if len(due) != 1 || due[0].Hook.ID != pend {
		t.Fatalf("due %+v", due)
	}
	if _, err := s.RecordHooks(ctx, []HookResult{{RowID: due[0].ID, HookID: pend, Outcome: HookDelivered, Status: 200, Confirm: true}}, q, hookT0); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.Hook(ctx, pend); h.State != HookConfirmed {
		t.Fatalf("echoed verification left %s", h.State)
	}
	// Two incidents for both; the first endpoint fails.
	for i := range 2 {
		comps := map[string]string{"api": "major_outage"}
		if _, err := s.CreateIncident(ctx, Incident{Name: "Down", Status: "investigating", Impact: "major", Components: comps, Started: hookT0},
			IncidentUpdate{Status: "investigating", Body: "x", Components: comps, DeliverNotifications: true, At: hookT0}, tokenActor, hookT0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	now := hookT0.Add(time.Minute)
	for round := range 2 {
		due, err := s.DueHooks(ctx, now, 10)
		if err != nil {
			t.Fatal(err)
		}
		var res []HookResult
		for _, d := range due {
			if d.Hook.ID == pend {
				res = append(res, HookResult{RowID: d.ID, HookID: pend, Outcome: HookDelivered, Status: 204})
				continue
			}
			res = append(res, HookResult{RowID: d.ID, HookID: id, Outcome: HookRetry, Status: 503, Err: "receiver answered 503", Next: now.Add(time.Minute)})
		}
		if len(res) != 4-2*round {
			t.Fatalf("round %d: due %+v", round, due)
		}
		quarantined, err := s.RecordHooks(ctx, res, q, now)
		if err != nil {
			t.Fatal(err)
		}
		// Round 0 fails twice, round 1 a third time: quarantined.
		if want := round == 1; (len(quarantined) == 1 && quarantined[0] == id) != want {
			t.Fatalf("round %d quarantined %v", round, quarantined)
		}
		// Only the failing one's rows come back, a minute later.
		now = now.Add(time.Minute)
	}
	h, _ := s.Hook(ctx, id)
	if h.State != HookQuarantined || h.QuarantineReason == "" {
		t.Fatalf("after 3 failures: %+v", h)
	}
	if n, _ := s.PendingHooks(ctx); n != 0 {
		t.Fatalf("%d rows still pending for a quarantined hook", n)
	}
	if c, _ := s.CountHooks(ctx); c[HookQuarantined] != 1 || c[HookConfirmed] != 1 {
		t.Fatalf("counts %v", c)
	}
	list, _ := s.ListHooks(ctx, HookQuarantined, 10)
	if len(list) != 1 || list[0].ID != id {
		t.Fatalf("quarantined list %+v", list)
	}
	admin := Actor{Kind: "user", ID: 1, Name: "ops@example.com"}
	if err := s.ReleaseHook(ctx, id, admin, now); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.Hook(ctx, id); h.State != HookConfirmed {
		t.Fatalf("released: %s", h.State)
	}
	if err := s.DeleteHook(ctx, pend, admin, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Hook(ctx, pend); !errors.Is(err, ErrNoSubscriber) {
		t.Fatalf("deleted hook: %v", err)
	}
	log, _ := s.AuditLog(ctx, 0, 100)
	var actions []string
	for _, e := range log {
		if e.ObjectType == "hook_subscriber" {
			actions = append(actions, e.Action)
		}
	}
	if !slices.Equal(actions, []string{"hook_subscriber.release", "hook_subscriber.delete"}) {
		t.Fatalf("audit %q", actions)
	}
}

func TestUnsubscribeHookDropsQueued(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id := confirmedHook(t, s, "https://hooks.example.com/u", "api")
	comps := map[string]string{"api": "major_outage"}
	if _, err := s.CreateIncident(ctx, Incident{Name: "Down", Status: "investigating", Impact: "major", Components: comps, Started: hookT0},
		IncidentUpdate{Status: "investigating", Body: "x", Components: comps, DeliverNotifications: true, At: hookT0}, tokenActor, hookT0); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PendingHooks(ctx); n != 1 {
		t.Fatalf("pending %d", n)
	}
	h, err := s.SetHookComponents(ctx, "manage-https://hooks.example.com/u", []string{"api", "web"}, hookT0)
	if err != nil || !slices.Equal(h.Components, []string{"api", "web"}) {
		t.Fatalf("set components %+v, %v", h, err)
	}
	if h, err := s.UnsubscribeHook(ctx, "manage-https://hooks.example.com/u", hookT0); err != nil || h.ID != id || h.State != HookUnsubscribed {
		t.Fatalf("unsubscribe %+v, %v", h, err)
	}
	if n, _ := s.PendingHooks(ctx); n != 0 {
		t.Fatalf("pending after unsubscribe %d", n)
	}
	if _, err := s.ConfirmHook(ctx, "nope", hookT0); !errors.Is(err, ErrNoSubscriber) {
		t.Fatalf("unknown token: %v", err)
	}
}
