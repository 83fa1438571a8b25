package ui

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

func TestConsoleSubscribers(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("op@example.com", store.RoleOperator, "correct horse battery")
	ctx := context.Background()
	for _, s := range []struct {
		email string
		comps []string
	}{{"=sum@example.org", nil}, {"web-fan@example.org", []string{"web"}}, {"gone@example.org", []string{"api"}}} {
		if _, err := f.st.Subscribe(ctx, store.SubscribeRequest{Email: s.email, Lang: "en", Components: s.comps,
			ConfirmWithin: time.Hour, MaxConfirms: 3}, t0); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser()
	b.login("op@example.com", "correct horse battery")

	res, body := b.get("/admin/subscribers?q=fan")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "web-fan@example.org") || strings.Contains(body, "gone@example.org") {
		t.Fatalf("search: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, "3 pending") {
		t.Errorf("no counts by state\n%s", body)
	}
	if res, _ := b.get("/admin/subscribers?component=nope"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown component: %d", res.StatusCode)
	}

	res, body = b.get("/admin/subscribers.csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if res.StatusCode != http.StatusOK || err != nil || len(rows) != 4 {
		t.Fatalf("export: %d, %v\n%s", res.StatusCode, err, body)
	}
	if rows[1][1] != "'=sum@example.org" || rows[1][4] != "all" || rows[2][4] != "web" {
		t.Errorf("export rows = %q", rows)
	}

	// Delete, with the page's CSRF token; without it nothing happens.
	var gone store.Subscriber
	subs, _ := f.st.ListSubscribers(ctx, store.SubscriberQuery{Q: "gone@", Limit: 1})
	gone = subs[0]
	path := "/admin/subscribers/" + strconv.FormatInt(gone.ID, 10) + "/delete"
	if res := b.do(http.MethodPost, path, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("delete without CSRF token: %d", res.StatusCode)
	}
	res, _ = b.post("/admin/subscribers", path, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if _, err := f.st.Subscriber(ctx, gone.ID); err != store.ErrNoSubscriber {
		t.Errorf("still there after delete: %v", err)
	}
	log, _ := f.st.AuditLog(ctx, 0, 100)
	if last := log[len(log)-1]; last.Action != "subscriber.delete" || last.Actor.Name != "op@example.com" || last.ObjectID != gone.ID {
		t.Errorf("audit entry = %+v", last)
	}
}
