package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// TestConsoleQuarantinedHooks: the subscribers page lists a quarantined
// webhook subscription with its reason; Resume lifts it and Delete
// removes another, each with the page's CSRF token and in the audit log.
func TestConsoleQuarantinedHooks(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("op@example.com", store.RoleOperator, "correct horse battery")
	ctx := context.Background()
	var ids []int64
	for i, host := range []string{"bad.example.net", "other.example.net"} {
		id, err := f.st.SubscribeHook(ctx, store.HookRequest{Kind: store.HookWebhook, URL: "https://" + host + "/hook", Host: host,
			Secret: "whsec_x", ManageSecret: "m" + strconv.Itoa(i), Lang: "en", ConfirmWithin: time.Hour, MaxPerHost: 5}, t0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// The first is verified by its echo, then fails three times.
	due, _ := f.st.DueHooks(ctx, t0, 10)
	if _, err := f.st.RecordHooks(ctx, []store.HookResult{{RowID: due[0].ID, HookID: ids[0], Outcome: store.HookDelivered, Status: 200, Confirm: true}}, store.Quarantine{}, t0); err != nil {
		t.Fatal(err)
	}
	var res []store.HookResult
	for range 3 {
		res = append(res, store.HookResult{RowID: due[0].ID, HookID: ids[0], Outcome: store.HookRetry, Status: 502, Err: "receiver answered 502", Next: t0})
	}
	if q, err := f.st.RecordHooks(ctx, res, store.Quarantine{Failures: 3, Window: time.Hour}, t0); err != nil || len(q) != 1 {
		t.Fatalf("quarantined %v, %v", q, err)
	}

	b := f.browser()
	b.login("op@example.com", "correct horse battery")
	resp, body := b.get("/admin/subscribers")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "bad.example.net") || !strings.Contains(body, "quarantined: 3 failed deliveries") ||
		!strings.Contains(body, "1 quarantined") || strings.Contains(body, "whsec_") || strings.Contains(body, "bad.example.net/hook") {
		t.Fatalf("page %d\n%s", resp.StatusCode, body)
	}
	release := "/admin/subscribers/hooks/" + strconv.FormatInt(ids[0], 10) + "/release"
	if resp := b.do(http.MethodPost, release, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("release without CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := b.post("/admin/subscribers", release, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("release: %d", resp.StatusCode)
	}
	if h, _ := f.st.Hook(ctx, ids[0]); h.State != store.HookConfirmed {
		t.Fatalf("after release: %s", h.State)
	}
	if resp, _ := b.post("/admin/subscribers", "/admin/subscribers/hooks/"+strconv.FormatInt(ids[1], 10)+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if _, err := f.st.Hook(ctx, ids[1]); err == nil {
		t.Fatal("deleted subscription still there")
	}
	log, _ := f.st.AuditLog(ctx, 0, 100)
	var actions []string
	for _, e := range log {
		if e.ObjectType == "hook_subscriber" {
			actions = append(actions, e.Action+" by "+e.Actor.Name)
		}
	}
	if strings.Join(actions, ",") != "hook_subscriber.release by op@example.com,hook_subscriber.delete by op@example.com" {
		t.Fatalf("audit %q", actions)
	}
}
