package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/store"
)

// TestConsoleAlerts: the alerts page lists each channel with its recent
// deliveries; "Send test alert" queues one (CSRF required); a component
// is silenced for a period and the silence lifted, both audited.
func TestConsoleAlerts(t *testing.T) {
	f := newConsoleFixtureWith(t, func(c *config.Config) {
		c.Alerts.Channels = []config.AlertChannel{{Name: "ops-slack", Kind: "slack"}, {Name: "pager", Kind: "pagerduty"}}
	})
	ctx := context.Background()
	att := &store.AlertAttempt{Channel: "ops-slack", At: t0, Alerts: 3, Outcome: "retry", Status: 503, Latency: 42300 * time.Microsecond, Error: "receiver answered 503"}
	if err := f.st.FinishAlerts(ctx, nil, att, "retry", t0, "", t0); err != nil {
		t.Fatal(err)
	}
	f.addUser("ops@example.com", "operator", testPassword)
	b := f.browser()
	b.login("ops@example.com", testPassword)
	res, body := b.get("/admin/alerts")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/alerts: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"ops-slack", "pager", "pagerduty", "<td>retry</td><td>503</td><td>42.3</td><td>3</td><td>receiver answered 503</td>", "No deliveries yet."} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}

	if res := b.do(http.MethodPost, "/admin/alerts/pager/test", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a test alert without the CSRF token: %d", res.StatusCode)
	}
	if res, _ := b.post("/admin/alerts", "/admin/alerts/pager/test", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send test alert: %d", res.StatusCode)
	}
	due, err := f.st.DueAlerts(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].Channel != "pager" || due[0].Kind != store.AlertTest {
		t.Fatalf("queued: %+v, %v", due, err)
	}
	if res, _ := b.post("/admin/alerts", "/admin/alerts/nobody/test", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("test alert to an unknown channel: %d", res.StatusCode)
	}

	if res, _ := b.post("/admin/alerts", "/admin/alerts/silence", url.Values{"component": {"api"}, "for": {"4h"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("silence: %d", res.StatusCode)
	}
	sil, err := f.st.Silences(ctx, t0)
	if err != nil || !sil["api"].Until.Equal(t0.Add(4*time.Hour)) || sil["api"].By != "ops@example.com" {
		t.Fatalf("silences = %+v, %v", sil, err)
	}
	if _, body := b.get("/admin/alerts"); !strings.Contains(body, `name="lift"`) {
		t.Error("the silence is not listed with a Lift button")
	}
	for _, bad := range []url.Values{{"component": {"nope"}, "for": {"1h"}}, {"component": {"api"}, "for": {"1000h"}}} {
		if res, _ := b.post("/admin/alerts", "/admin/alerts/silence", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("silence %v: %d, want 400", bad, res.StatusCode)
		}
	}
	if res, _ := b.post("/admin/alerts", "/admin/alerts/silence", url.Values{"component": {"api"}, "lift": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("lift: %d", res.StatusCode)
	}
	if sil, _ := f.st.Silences(ctx, t0); len(sil) != 0 {
		t.Errorf("after lifting: %+v", sil)
	}
	log, err := f.st.AuditLog(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		if strings.HasPrefix(e.Action, "alerts.") {
			actions = append(actions, e.Action+" "+e.Actor.Name)
		}
	}
	if strings.Join(actions, ",") != "alerts.silence ops@example.com,alerts.unsilence ops@example.com" {
		t.Errorf("audit = %q", actions)
	}
}
