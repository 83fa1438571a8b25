package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// flowView is what customers see at one step of an incident: the front
// page's notices, the incident page, both feeds and summary.json.
type flowView struct {
	notices, page string
	atom          testAtom
	rss           testRSS
	summary       struct {
		Incidents []incidentJSON `json:"incidents"`
		Status    statusObject   `json:"status"`
	}
}

func (f *apiFixture) view(t *testing.T, id int64) flowView {
	t.Helper()
	var v flowView
	v.notices = noticesSection(t, f.do(http.MethodGet, "/", "", "").Body.String())
	rec := f.do(http.MethodGet, fmt.Sprintf("/incidents/%d", id), "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("incident page: %d", rec.Code)
	}
	v.page = rec.Body.String()
	readFeed(t, f.h, "/feed.atom", atomType, &v.atom)
	readFeed(t, f.h, "/feed.rss", rssType, &v.rss)
	if err := json.Unmarshal(f.do(http.MethodGet, "/api/v2/summary.json", "", "").Body.Bytes(), &v.summary); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestIncidentFlowPublic drives the operator API from investigating to a
// postmortem and checks at each step what the front page, the incident
// page, the feeds and summary.json say.
func TestIncidentFlowPublic(t *testing.T) {
	f := newAPIFixture(t)
	eta := t0.Add(2 * time.Hour).Format(time.RFC3339)
	var inc store.Incident
	ok(t, f.do(http.MethodPost, "/api/v1/incidents", f.op, `{"name":"Checkout errors","body":"We are **investigating**.",
		"components":{"api":"major_outage"},"eta":"`+eta+`"}`), http.StatusCreated, &inc)
	path := fmt.Sprintf("/api/v1/incidents/%d", inc.ID)

	steps := []struct {
		status, body, extra string
		title               string
	}{
		{"investigating", "", "", "Checkout errors — Investigating"},
		{"identified", "A bad deploy.", "", "Checkout errors — Identified"},
		{"monitoring", "Fix rolled out; watching.", `,"components":{"api":"operational"}`, "Checkout errors — Monitoring"},
		{"resolved", "All good again.", "", "Checkout errors — Resolved"},
	}
	for i, s := range steps {
		if i > 0 {
			f.advance(15 * time.Minute)
			ok(t, f.do(http.MethodPost, path+"/updates", f.op, `{"status":"`+s.status+`","body":"`+s.body+`"`+s.extra+`}`), http.StatusOK, nil)
		}
		v := f.view(t, inc.ID)
		text := strings.ToUpper(s.status[:1]) + s.status[1:]
		open := s.status != "resolved"
		if got := strings.Contains(v.notices, "Checkout errors"); got != open {
			t.Errorf("%s: front page shows the incident: %v", s.status, got)
		}
		if open {
			contains(t, s.status+" front page", v.notices, "Estimated resolution", fmt.Sprintf(`href="/incidents/%d"`, inc.ID))
			// The latest update first.
			first := v.notices[strings.Index(v.notices, `<li class="update">`):]
			if !strings.HasPrefix(first, `<li class="update"><p class="update-head"><strong>`+text+`</strong>`) {
				t.Errorf("%s: front page's first update is not the latest: %.120s", s.status, first)
			}
			contains(t, s.status+" incident page", v.page, "Estimated resolution", "so far")
			if len(v.summary.Incidents) != 1 || v.summary.Incidents[0].Status != s.status || len(v.summary.Incidents[0].Updates) != i+1 {
				t.Errorf("%s: summary %+v", s.status, v.summary.Incidents)
			}
		} else {
			contains(t, "resolved incident page", v.page, "<dt>Resolved</dt>", "<dt>Duration</dt><dd>45 minutes</dd>")
			lacks(t, "resolved incident page", v.page, "Estimated resolution")
			if len(v.summary.Incidents) != 0 || v.summary.Status.Indicator != "none" {
				t.Errorf("resolved: summary %+v", v.summary)
			}
		}
		contains(t, s.status+" incident page", v.page, `class="pill impact-`, ">"+text+"</span>", s.body)
		if len(v.atom.Entries) != i+1 || v.atom.Entries[0].Title != s.title || len(v.rss.Channel.Items) != i+1 || v.rss.Channel.Items[0].Title != s.title {
			t.Errorf("%s: feeds lead with %q / %d entries", s.status, v.atom.Entries[0].Title, len(v.atom.Entries))
		}
	}
	contains(t, "monitoring change", f.view(t, inc.ID).page, `API: <span class="from">Major Outage</span> → <span class="pill s-up">Operational</span>`)

	f.advance(24 * time.Hour)
	ok(t, f.do(http.MethodPatch, path, f.op, `{"postmortem":"## Root cause\n\nA config flag was **off**."}`), http.StatusOK, nil)
	v := f.view(t, inc.ID)
	contains(t, "postmortem page", v.page, `<h2 id="pm-title">Postmortem</h2>`, "<h2>Root cause</h2>", "A config flag was <strong>off</strong>.")
	if len(v.atom.Entries) != 5 || v.atom.Entries[0].Title != "Checkout errors — Postmortem" || !strings.Contains(v.atom.Entries[0].Content.Body, "<strong>off</strong>") {
		t.Errorf("postmortem entry: %+v", v.atom.Entries[0])
	}
	var list struct {
		Incidents []incidentJSON `json:"incidents"`
	}
	if err := json.Unmarshal(f.do(http.MethodGet, "/api/v2/incidents.json", "", "").Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Incidents) != 1 || list.Incidents[0].Status != "postmortem" || list.Incidents[0].PostmortemBody == nil {
		t.Errorf("incidents.json %+v", list.Incidents)
	}
}

// TestDraftFlowPublic: a draft made through the API is nowhere public
// until it is published, then everywhere.
func TestDraftFlowPublic(t *testing.T) {
	f := newAPIFixture(t)
	var inc store.Incident
	ok(t, f.do(http.MethodPost, "/api/v1/incidents", f.op, `{"name":"Queue backlog","body":"Jobs wait.","draft":true}`), http.StatusCreated, &inc)
	if !inc.Draft {
		t.Fatalf("not a draft: %+v", inc)
	}
	page := fmt.Sprintf("/incidents/%d", inc.ID)
	public := []string{"/", "/history", "/feed.atom", "/feed.rss", "/api/v2/summary.json", "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json"}
	for _, p := range public {
		lacks(t, p, f.do(http.MethodGet, p, "", "").Body.String(), "Queue backlog", "Jobs wait.")
	}
	if rec := f.do(http.MethodGet, page, "", ""); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "Queue backlog") {
		t.Errorf("draft page: %d", rec.Code)
	}
	ok(t, f.do(http.MethodPatch, fmt.Sprintf("/api/v1/incidents/%d", inc.ID), f.op, `{"draft":false}`), http.StatusOK, nil)
	for _, p := range append(public, page) {
		contains(t, p+" after publishing", f.do(http.MethodGet, p, "", "").Body.String(), "Queue backlog")
	}
}
