package ui

import (
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// TestConsoleIncidentFlow runs an incident from the console forms, signed
// in through the login form over TLS: open it (with an ETA), post two
// updates (one changing a component's status), resolve it and write the
// postmortem, checking at each step the front page, summary.json and the
// console's own page.
func TestConsoleIncidentFlow(t *testing.T) {
	o := newOpsServer(t)
	o.addUser("admin@example.com", store.RoleAdmin, "correct horse battery")
	o.login("admin@example.com", "correct horse battery")
	berlin := testConfig(t).Location

	// Open: API in a major outage, an ETA two hours out (Berlin time).
	eta := t0.Add(2 * time.Hour).In(berlin)
	code, loc, body := o.submit("/admin/incidents/new", "/admin/incidents", url.Values{
		"name": {"Elevated API errors"}, "status": {"investigating"}, "comp.api": {"major_outage"}, "comp.web": {""},
		"impact_override": {""}, "body": {"We are **investigating** failing API calls."},
		"eta": {eta.Format("2006-01-02T15:04")}, "time_zone": {"Europe/Berlin"}, "notify": {"on"},
	})
	if code != http.StatusSeeOther || !regexp.MustCompile(`^/admin/incidents/\d+$`).MatchString(loc) {
		t.Fatalf("open: %d %q\n%s", code, loc, body)
	}
	page := loc
	id := strings.TrimPrefix(loc, "/admin/incidents/")
	inc := o.incident(id)
	if !inc.ETA.Equal(eta) || inc.Draft || inc.Components["api"] != "major_outage" || len(inc.Updates) != 1 || !inc.Updates[0].DeliverNotifications {
		t.Fatalf("stored %+v", inc)
	}
	_, console := o.get(page)
	for _, want := range []string{"Elevated API errors", "<strong>investigating</strong>", "Estimated resolution", "API: Major outage", "Incident opened."} {
		if !strings.Contains(console, want) {
			t.Errorf("console page lacks %q", want)
		}
	}
	o.checkPublic("opened", "Elevated API errors", []string{"failing API calls"}, "major_outage", "investigating", true)
	o.checkFeeds("opened", "failing API calls")
	if _, home := o.get("/"); !strings.Contains(home, "Estimated resolution") {
		t.Errorf("the front page does not show the ETA")
	}

	// Update 1: identified, API down to a partial outage.
	o.advance(10 * time.Minute)
	code, loc, body = o.submit(page, page+"/updates", url.Values{"status": {"identified"}, "body": {"A bad deploy; rolling back."},
		"comp.api": {"partial_outage"}, "comp.web": {""}, "comp.docs": {""}, "time_zone": {"Europe/Berlin"}, "notify": {"on"}})
	if code != http.StatusSeeOther || loc != page {
		t.Fatalf("update 1: %d %q\n%s", code, loc, body)
	}
	o.checkPublic("update 1", "Elevated API errors", []string{"rolling back", "failing API calls"}, "partial_outage", "identified", true)
	o.checkFeeds("update 1", "rolling back")
	if inc := o.incident(id); inc.Updates[1].Components["api"] != "partial_outage" || inc.Impact != "major" {
		t.Fatalf("after update 1 %+v", inc)
	}

	// Update 2: monitoring, statuses as they are (the form sends the
	// current ones; the update records no change).
	o.advance(10 * time.Minute)
	code, _, body = o.submit(page, page+"/updates", url.Values{"status": {"monitoring"}, "body": {"Fix deployed, watching."},
		"comp.api": {"partial_outage"}, "time_zone": {"Europe/Berlin"}})
	if code != http.StatusSeeOther {
		t.Fatalf("update 2: %d\n%s", code, body)
	}
	o.checkPublic("update 2", "Elevated API errors", []string{"watching", "rolling back", "failing API calls"}, "partial_outage", "monitoring", true)
	o.checkFeeds("update 2", "watching")
	if inc := o.incident(id); len(inc.Updates[2].Components) != 0 || inc.Updates[2].DeliverNotifications {
		t.Fatalf("update 2 stored %+v", inc.Updates[2])
	}
	_, console = o.get(page)
	if !before(console, "Fix deployed, watching.", "A bad deploy") || !before(console, "A bad deploy", "failing API calls") {
		t.Errorf("console timeline is not newest first")
	}

	// Resolve: the API is operational again; the incident leaves / and
	// summary.json, and the component returns to what the probes say.
	o.advance(10 * time.Minute)
	code, _, body = o.submit(page, page+"/updates", url.Values{"status": {"resolved"}, "body": {"All clear."},
		"comp.api": {"operational"}, "time_zone": {"Europe/Berlin"}, "notify": {"on"}})
	if code != http.StatusSeeOther {
		t.Fatalf("resolve: %d\n%s", code, body)
	}
	o.checkPublic("resolved", "Elevated API errors", nil, o.summary().component("docs"), "", false)
	o.checkFeeds("resolved", "All clear.")
	if inc := o.incident(id); inc.Status != "resolved" || !inc.Resolved.Equal(t0.Add(30*time.Minute)) || !inc.ETA.IsZero() {
		t.Fatalf("resolved %+v", inc)
	}

	// Postmortem, a little later (within the session's lifetime).
	o.advance(20 * time.Minute)
	code, _, body = o.submit(page, page+"/postmortem", url.Values{"postmortem": {"## What happened\nA config push *without* a canary."}})
	if code != http.StatusSeeOther {
		t.Fatalf("postmortem: %d\n%s", code, body)
	}
	_, console = o.get(page)
	for _, want := range []string{"<h2>What happened</h2>", "<em>without</em>", "Postmortem published."} {
		if !strings.Contains(console, want) {
			t.Errorf("console page after the postmortem lacks %q", want)
		}
	}
	if inc := o.incident(id); !inc.PostmortemAt.Equal(t0.Add(50 * time.Minute)) {
		t.Fatalf("postmortem at %v", inc.PostmortemAt)
	}
	_, list := o.get("/admin/incidents")
	if !strings.Contains(list, "Recently resolved") || !strings.Contains(list, `href="/admin/incidents/`+id+`"`) {
		t.Errorf("incident list lacks the resolved incident:\n%s", list)
	}
	o.checkPublicIncidentPage(id, []string{"All clear.", "Fix deployed, watching.", "What happened"})
}

// incident reads an incident from the store.
func (o *opsServer) incident(id string) store.Incident {
	o.t.Helper()
	inc, err := o.st.Incident(o.t.Context(), mustID(o.t, id))
	if err != nil {
		o.t.Fatal(err)
	}
	return inc
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}

// checkPublic checks the front page and summary.json: while open the
// incident shows with its updates newest first (bodies in that order) and
// its status, and the API component shows apiStatus.
func (o *opsServer) checkPublic(step, name string, bodies []string, apiStatus, status string, open bool) {
	o.t.Helper()
	_, home := o.get("/")
	home = html.UnescapeString(home)
	if strings.Contains(home, name) != open {
		o.t.Errorf("%s: front page shows the incident: %v, want %v", step, !open, open)
	}
	for i := 1; i < len(bodies); i++ {
		if !before(home, bodies[i-1], bodies[i]) {
			o.t.Errorf("%s: front page does not show %q before %q", step, bodies[i-1], bodies[i])
		}
	}
	s := o.summary()
	if got := s.component("api"); got != apiStatus {
		o.t.Errorf("%s: summary.json api is %s, want %s", step, got, apiStatus)
	}
	if !open {
		if len(s.Incidents) != 0 {
			o.t.Errorf("%s: summary.json still lists %+v", step, s.Incidents)
		}
		return
	}
	if len(s.Incidents) != 1 || s.Incidents[0].Name != name || s.Incidents[0].Status != status || len(s.Incidents[0].Updates) != len(bodies) {
		o.t.Fatalf("%s: summary.json incidents %+v", step, s.Incidents)
	}
	if !strings.Contains(s.Incidents[0].Updates[0].Body, bodies[0][:8]) {
		o.t.Errorf("%s: summary.json's first update is %q, want the latest", step, s.Incidents[0].Updates[0].Body)
	}
}

// checkPublicIncidentPage checks /incidents/{id}, the public helper's
// page, when it exists: the full timeline and the postmortem.
func (o *opsServer) checkPublicIncidentPage(id string, wants []string) {
	o.t.Helper()
	code, body := o.get("/incidents/" + id)
	if code == http.StatusNotFound && !strings.Contains(body, "Elevated") {
		o.t.Log("no public /incidents/{id} page in this build: not checked")
		return
	}
	body = html.UnescapeString(body)
	for _, w := range wants {
		if !strings.Contains(body, w) {
			o.t.Errorf("/incidents/%s lacks %q", id, w)
		}
	}
}

// atomRead and rssRead are what the tests read of the feeds.
type atomRead struct {
	Entries []struct {
		Content string `xml:"content"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

type rssRead struct {
	Items []struct {
		Description string `xml:"description"`
	} `xml:"channel>item"`
}

// checkFeeds parses /feed.atom and /feed.rss with encoding/xml, when the
// build serves them, and checks each has an entry carrying text.
func (o *opsServer) checkFeeds(step, text string) {
	o.t.Helper()
	var atom atomRead
	var rss rssRead
	if o.feed(step, "/feed.atom", &atom) {
		var texts []string
		for _, e := range atom.Entries {
			texts = append(texts, e.Content)
		}
		if !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, text) }) {
			o.t.Errorf("%s: /feed.atom has no entry with %q", step, text)
		}
	}
	if o.feed(step, "/feed.rss", &rss) {
		var texts []string
		for _, i := range rss.Items {
			texts = append(texts, i.Description)
		}
		if !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, text) }) {
			o.t.Errorf("%s: /feed.rss has no item with %q", step, text)
		}
	}
}

// feed fetches and decodes a feed; false when the build has none.
func (o *opsServer) feed(step, path string, into any) bool {
	o.t.Helper()
	code, body := o.get(path)
	if code == http.StatusNotFound {
		o.t.Logf("no %s in this build: not checked", path)
		return false
	}
	if err := xml.Unmarshal([]byte(body), into); code != http.StatusOK || err != nil {
		o.t.Fatalf("%s: %s: %d %v", step, path, code, err)
	}
	return true
}
