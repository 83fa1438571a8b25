package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

func TestSubscribersAPI(t *testing.T) {
	f := newSubFixture(t, subscriptionsOn())
	ctx := t.Context()
	const secret = "ampel_op_test-secret"
	if _, err := f.st.CreateToken(ctx, store.Token{Kind: store.TokenOperator, Role: store.RoleOperator, Name: "ci"}, secret, t0); err != nil {
		t.Fatal(err)
	}
	for i, comps := range [][]string{nil, {"web"}, {"web", "api"}, {"docs"}} {
		email := fmt.Sprintf("s%d@example.org", i)
		if _, err := f.st.Subscribe(ctx, store.SubscribeRequest{Email: email, Lang: "en", Components: comps, ConfirmWithin: time.Hour, MaxConfirms: 3}, t0); err != nil {
			t.Fatal(err)
		}
		if i < 3 { // the last stays pending
			if _, err := f.st.ConfirmSubscriber(ctx, f.mint(f.subscriber(email).ID, store.PurposeConfirm), t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	auth := map[string]string{"Authorization": "Bearer " + secret}
	get := func(path string, header map[string]string) (int, subscriberList, apiError) {
		t.Helper()
		rec := f.do(http.MethodGet, path, "192.0.2.50", nil, header)
		var list subscriberList
		var e apiError
		if rec.Code == http.StatusOK {
			if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
				t.Fatalf("%s: %v\n%s", path, err, rec.Body)
			}
		} else if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("%s: %d, not a JSON error: %s", path, rec.Code, rec.Body)
		}
		return rec.Code, list, e
	}
	if code, _, _ := get("/api/v1/subscribers", nil); code != http.StatusUnauthorized {
		t.Errorf("without a token: %d", code)
	}
	code, list, _ := get("/api/v1/subscribers?component=web&state=confirmed", auth)
	if code != http.StatusOK || len(list.Subscribers) != 3 || list.NextAfter != 0 {
		t.Fatalf("component=web: %d %+v", code, list)
	}
	wantCounts := map[string]int{"api": 2, "web": 3, "docs": 1}
	for slug, n := range wantCounts {
		if list.Counts.Components[slug] != n {
			t.Errorf("count %s = %d, want %d (all %v)", slug, list.Counts.Components[slug], n, list.Counts.Components)
		}
	}
	if list.Counts.States["pending"] != 1 || list.Counts.States["confirmed"] != 3 {
		t.Errorf("states = %v", list.Counts.States)
	}
	code, list, _ = get("/api/v1/subscribers?limit=2", auth)
	if code != http.StatusOK || len(list.Subscribers) != 2 || list.NextAfter == 0 {
		t.Fatalf("limit=2: %d %+v", code, list)
	}
	code, list, _ = get(fmt.Sprintf("/api/v1/subscribers?limit=2&after=%d", list.NextAfter), auth)
	if code != http.StatusOK || len(list.Subscribers) != 2 || list.Subscribers[1].Email != "s3@example.org" {
		t.Fatalf("second page: %d %+v", code, list)
	}
	code, list, _ = get("/api/v1/subscribers?q=S2%40", auth)
	if code != http.StatusOK || len(list.Subscribers) != 1 || list.Subscribers[0].Email != "s2@example.org" ||
		list.Subscribers[0].State != "confirmed" || len(list.Subscribers[0].Components) != 2 {
		t.Fatalf("q=S2@: %d %+v", code, list)
	}
	for path, field := range map[string]string{
		"/api/v1/subscribers?component=nope": "component",
		"/api/v1/subscribers?state=happy":    "state",
		"/api/v1/subscribers?limit=0":        "limit",
		"/api/v1/subscribers?after=-1":       "after",
		"/api/v1/subscribers?after=x":        "after",
	} {
		if code, _, e := get(path, auth); code != http.StatusBadRequest || e.Field != field {
			t.Errorf("%s: %d %+v, want 400 naming %s", path, code, e, field)
		}
	}
}
