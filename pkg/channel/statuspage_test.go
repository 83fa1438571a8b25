package channel

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

var (
	spMeta = SPMeta{Unsubscribe: "https://status.example.com/subscribe/manage/tok", Documentation: "https://status.example.com/docs/webhooks",
		GeneratedAt: time.Date(2026, 12, 6, 22, 0, 0, 0, time.FixedZone("CET", 3600))}
	spPage = SPPage{ID: "example", StatusIndicator: "major", StatusDescription: "Partial System Outage"}
)

// statuspageReader reads a notice the way receivers built for Statuspage
// (Zulip's integration, for one) do: by the "incident" or "component" key,
// then the fields they print. It returns what they would print.
func statuspageReader(t *testing.T, body []byte) []string {
	t.Helper()
	m := decode(t, body)
	out := []string{str(t, m, "page", "status_description"), str(t, m, "meta", "unsubscribe"), str(t, m, "meta", "generated_at")}
	switch {
	case m["incident"] != nil:
		out = append(out, str(t, m, "incident", "name"), str(t, m, "incident", "status"), str(t, m, "incident", "incident_updates", 0, "body"))
	case m["component"] != nil:
		out = append(out, str(t, m, "component", "name"), str(t, m, "component_update", "old_status"), str(t, m, "component_update", "new_status"),
			str(t, m, "component_update", "component_id"))
	default:
		t.Fatalf("neither incident nor component: %s", body)
	}
	return out
}

// TestStatuspageComponentUpdate goes through a signed webhook channel to a
// receiver that reads it as a Statuspage receiver would.
func TestStatuspageComponentUpdate(t *testing.T) {
	recv := startReceiver(t, nil)
	key, _ := ParseSecret(testSecret)
	ch := &Channel{Name: "sub-17", Kind: Webhook, URL: recv.URL + "/statuspage", Secret: key}
	body, err := ComponentUpdateBody(spMeta, spPage,
		SPComponent{ID: "api", PageID: "example", Name: "API", Status: "major_outage", CreatedAt: at, UpdatedAt: at},
		SPComponentUpdate{ID: "cu-1", ComponentID: "api", OldStatus: "operational", NewStatus: "major_outage", CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	d, err := SignedJSON(ch, body, "msg_cu-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if a := Send(context.Background(), client(), d, time.Now); a.Outcome != Delivered {
		t.Fatalf("attempt %+v", a)
	}
	r := recv.last(t)
	if err := verifyStandardWebhook(testSecret, r.header, r.body, time.Now()); err != nil {
		t.Error(err)
	}
	got := statuspageReader(t, r.body)
	want := []string{"Partial System Outage", spMeta.Unsubscribe, "2026-12-06T21:00:00Z", "API", "operational", "major_outage", "api"}
	if len(got) != len(want) {
		t.Fatalf("read %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d: %q, want %q", i, got[i], want[i])
		}
	}
	m := decode(t, r.body)
	if str(t, m, "component_update", "component_type") != "Component" || m["component"].(map[string]any)["group_id"] != nil {
		t.Errorf("component_update %v, component %v", m["component_update"], m["component"])
	}
	if _, has := m["component"].(map[string]any)["group_id"]; !has {
		t.Error("component.group_id absent, want null as Statuspage sends it")
	}
}

// TestStatuspageIncidentUpdate wraps the incident object as the v2 API
// serves it.
func TestStatuspageIncidentUpdate(t *testing.T) {
	incident := json.RawMessage(`{"id":"42","name":"Database query delays","status":"identified","impact":"major",
		"shortlink":"https://status.example.com/incidents/42","incident_updates":[{"id":"7","status":"identified",
		"body":"We found the slow query.","incident_id":"42"},{"id":"6","status":"investigating","body":"Looking.","incident_id":"42"}]}`)
	body, err := IncidentUpdateBody(spMeta, spPage, incident)
	if err != nil {
		t.Fatal(err)
	}
	got := statuspageReader(t, body)
	if got[3] != "Database query delays" || got[4] != "identified" || got[5] != "We found the slow query." {
		t.Errorf("read %v", got)
	}
	for name, bad := range map[string]string{"not an object": `[1]`, "not JSON": `{`, "no updates": `{"id":"42"}`} {
		if _, err := IncidentUpdateBody(spMeta, spPage, json.RawMessage(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
