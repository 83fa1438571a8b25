package autoincident

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

func TestOpenMonitorResolve(t *testing.T) {
	h := newHarness(t)
	h.probe("api-health", status.Up, "a")
	h.want("api", None)
	h.want("web", None) // no automation

	h.probe("api-health", status.Down, "a")
	down := h.now
	h.want("api", Opened)
	inc := h.open("api")
	if inc.Name != "Public API is unavailable" || inc.Status != "investigating" || inc.Draft || inc.Impact != "critical" ||
		!maps.Equal(inc.Components, map[string]string{"api": "major_outage"}) || !inc.Started.Equal(down) || len(inc.Updates) != 1 {
		t.Fatalf("opened %+v", inc)
	}
	if u := inc.Updates[0]; u.Body != "We are investigating problems with Public API." || !u.DeliverNotifications || u.Author != Author || !u.At.Equal(down) {
		t.Errorf("first update %+v", u)
	}
	// The incident now rules what the component shows; the probes' own
	// level is still there for automation.
	if c := h.shown("api"); c.Level != status.Down || c.Source != state.SourceIncident || c.ProbeLevel != status.Down {
		t.Errorf("api shows %s from %s (probes %s), want down from the incident", c.Level, c.Source, c.ProbeLevel)
	}
	// Still down: nothing more.
	h.probe("api-health", status.Down, "a")
	h.want("api", None)

	h.probe("api-health", status.Up, "a")
	recovered := h.now
	h.want("api", Monitoring)
	inc = h.open("api")
	if u := inc.Updates[len(inc.Updates)-1]; inc.Status != "monitoring" || u.Status != "monitoring" ||
		u.Body != "Public API is working again. We are monitoring the results." || u.DeliverNotifications {
		t.Errorf("after recovery %s, last update %+v", inc.Status, u)
	}
	// Monitoring still shows the incident's level until it is resolved.
	if c := h.shown("api"); c.Level != status.Down || c.ProbeLevel != status.Up {
		t.Errorf("api shows %s (probes %s), want down by the incident while monitoring", c.Level, c.ProbeLevel)
	}

	h.now = recovered.Add(5*time.Minute - time.Second)
	h.want("api", None)
	h.now = recovered.Add(5 * time.Minute)
	h.want("api", Resolved)
	list := h.incidents()
	if len(list) != 1 {
		t.Fatalf("%d incidents, want 1", len(list))
	}
	inc = list[0]
	last := inc.Updates[len(inc.Updates)-1]
	if inc.Status != "resolved" || !inc.Resolved.Equal(h.now) || inc.Impact != "critical" || len(inc.Updates) != 3 ||
		last.Status != "resolved" || !last.DeliverNotifications || last.Author != Author {
		t.Errorf("resolved %+v, last update %+v", inc, last)
	}
	if c := h.shown("api"); c.Level != status.Up || c.Source != state.SourceProbe {
		t.Errorf("after resolution api shows %s from %s, want up from the probes", c.Level, c.Source)
	}
	h.want("api", None)

	// Every change is audited as automation.
	log, err := h.st.AuditLog(h.ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		if e.Actor != Actor {
			t.Errorf("audit entry by %+v", e.Actor)
		}
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); got != "incident.create incident.auto_monitoring incident.auto_resolved" {
		t.Errorf("audit actions %q", got)
	}
}

func TestDraftOnPartialOutageAndEscalation(t *testing.T) {
	h := newHarness(t)
	h.probe("db-port", status.Up, "a", "b")
	h.probe("db-port", status.Down, "a")
	if c := h.shown("db"); c.ProbeLevel != status.Partial {
		t.Fatalf("db probes %s, want partial (one zone of two)", c.ProbeLevel)
	}
	h.want("db", Opened)
	inc := h.open("db")
	if !inc.Draft || inc.Impact != "major" || inc.Components["db"] != "partial_outage" || !inc.Updates[0].DeliverNotifications {
		t.Fatalf("draft %+v", inc)
	}
	// The name is text in the Markdown body: its underscore stays.
	if b := inc.Updates[0].Body; b != `Looking into Database\_v2.` {
		t.Errorf("body %q", b)
	}
	// A draft overrides nothing: the probes show.
	if c := h.shown("db"); c.Level != status.Partial || c.Source != state.SourceProbe {
		t.Errorf("db shows %s from %s, want partial from the probes", c.Level, c.Source)
	}

	h.probe("db-port", status.Down, "a", "b")
	h.want("db", Escalated)
	inc = h.open("db")
	if inc.Components["db"] != "major_outage" || inc.Impact != "critical" || len(inc.Updates) != 1 || inc.Status != "investigating" {
		t.Errorf("escalated %+v", inc)
	}
	h.want("db", None)

	// Recovery and resolution of a draft: it stays a draft. (The store
	// mails nothing about drafts, whatever their updates say.)
	h.probe("db-port", status.Up, "a", "b")
	h.want("db", Monitoring)
	h.now = h.now.Add(10 * time.Minute) // the default stable_for
	h.want("db", Resolved)
	inc = h.incidents()[0]
	if !inc.Draft || inc.Status != "resolved" || !inc.Updates[len(inc.Updates)-1].DeliverNotifications {
		t.Errorf("resolved draft %+v", inc)
	}
}

// TestFlappingMakesNoStorm: 50 flaps while the incident is open make one
// incident with a bounded timeline, resolved once the probes stay up.
func TestFlappingMakesNoStorm(t *testing.T) {
	h := newHarness(t)
	for range 50 {
		h.probe("api-health", status.Down, "a")
		h.eval("api")
		h.probe("api-health", status.Up, "a")
		h.eval("api")
		h.now = h.now.Add(time.Minute) // up less than stable_for
		h.eval("api")
	}
	list := h.incidents()
	if len(list) != 1 {
		t.Fatalf("%d incidents after 50 flaps, want 1", len(list))
	}
	var got []string
	for _, u := range list[0].Updates {
		got = append(got, u.Status)
	}
	if s := strings.Join(got, " "); s != "investigating monitoring investigating monitoring" {
		t.Errorf("timeline %q, want one relapse only", s)
	}
	if list[0].Status != "monitoring" {
		t.Fatalf("status %s while flapping, want monitoring", list[0].Status)
	}
	// A last relapse holds the resolution back: stable_for counts from
	// the last recovery.
	h.probe("api-health", status.Down, "a")
	h.want("api", None)
	h.probe("api-health", status.Up, "a")
	up := h.now
	h.now = up.Add(4 * time.Minute)
	h.want("api", None)
	h.now = up.Add(5 * time.Minute)
	h.want("api", Resolved)
	if n := len(h.incidents()[0].Updates); n != 5 {
		t.Errorf("%d updates in all, want 5", n)
	}
}

func TestCoolDown(t *testing.T) {
	h := newHarness(t)
	h.probe("api-health", status.Down, "a")
	h.want("api", Opened)
	h.probe("api-health", status.Up, "a")
	h.want("api", Monitoring)
	h.now = h.now.Add(5 * time.Minute)
	h.want("api", Resolved)
	resolved := h.now

	// Down again within the cool-down: held, counted and logged once.
	h.probe("api-health", status.Down, "a")
	h.want("api", Held)
	h.probe("api-health", status.Down, "a")
	h.want("api", Held)
	if n := h.auto.Suppressed(); n != 1 {
		t.Errorf("suppressed %d, want 1", n)
	}
	// A second outage in the cool-down counts again.
	h.probe("api-health", status.Up, "a")
	h.want("api", None)
	h.probe("api-health", status.Down, "a")
	h.want("api", Held)
	if n := h.auto.Suppressed(); n != 2 {
		t.Errorf("suppressed %d, want 2", n)
	}
	if n := strings.Count(h.logs.String(), "no incident opened"); n != 2 {
		t.Errorf("%d cool-down log lines, want 2:\n%s", n, h.logs.String())
	}
	if n := len(h.incidents()); n != 1 {
		t.Fatalf("%d incidents during the cool-down, want 1", n)
	}
	// Still down when the cool-down ends: a new incident.
	h.now = resolved.Add(30 * time.Minute)
	h.want("api", Opened)
	if n := len(h.incidents()); n != 2 {
		t.Errorf("%d incidents after the cool-down, want 2", n)
	}
}
