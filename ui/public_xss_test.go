package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// xssBatch is how many payloads go in at once: each makes four feed
// entries (opening and resolving update, postmortem, window update), and
// all of a batch's must fit in the feed's 50.
const xssBatch = 12

// TestPublicXSS puts every payload of the corpus into every field an
// operator writes that the public sees — incident name, update bodies,
// postmortem, window name, description and update body — and checks
// every page, feed, calendar and JSON that shows them: nothing
// executable survives, the text is there, the JSON is valid.
func TestPublicXSS(t *testing.T) {
	ps := xssPayloads(t)
	f := newFixture(t)
	ctx := context.Background()
	for start := 0; start < len(ps); start += xssBatch {
		chunk := ps[start:min(start+xssBatch, len(ps))]
		var incs []store.Incident
		var wins []store.Maintenance
		// Each batch later than the last, so its entries lead the feeds.
		now := t0.Add(time.Duration(start) * time.Hour)
		for i, p := range chunk {
			at := now.Add(-time.Duration(i+1) * time.Minute)
			inc, err := f.store.CreateIncident(ctx, store.Incident{Name: p, Status: "investigating", Impact: "major", ETA: now.Add(time.Hour),
				Components: map[string]string{"api": "partial_outage"}, Started: at},
				store.IncidentUpdate{Status: "investigating", Body: p + "\n\n*" + p + "*", Components: map[string]string{"api": "partial_outage"}, At: at}, seedActor, now)
			if err != nil {
				t.Fatal(err)
			}
			incs = append(incs, inc)
			m, err := f.store.CreateMaintenance(ctx, store.Maintenance{Name: p, Status: "scheduled", Description: "[link](" + p + ") " + p,
				ScheduledFor: now.Add(time.Duration(i+1) * time.Hour), ScheduledUntil: now.Add(time.Duration(i+2) * time.Hour), ComponentIDs: []string{"web"}},
				store.MaintenanceUpdate{Status: "scheduled", Body: p + " [x](" + p + ")", At: now}, seedActor, now)
			if err != nil {
				t.Fatal(err)
			}
			wins = append(wins, m)
		}
		bump(f)
		// Open: on the front page and in summary.json.
		home := checkPage(t, "/", fetch(t, f.h, "/", 200))
		for _, p := range chunk {
			if !strings.Contains(home, p) {
				t.Errorf("/ lacks the name %.60q as text", p)
			}
		}
		checkJSONCarries(t, f, "/api/v2/summary.json", chunk)

		for _, inc := range incs {
			if _, err := f.store.EditIncident(ctx, inc.ID, seedActor, "incident.update", now, func(i *store.Incident) (*store.IncidentUpdate, error) {
				i.Status, i.Resolved, i.Postmortem, i.PostmortemAt = "resolved", now, "## "+inc.Name+"\n\n"+inc.Name, now
				return &store.IncidentUpdate{Status: "resolved", Body: "> " + inc.Name, At: now}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		bump(f)
		for i, inc := range incs {
			p := chunk[i]
			text := checkPage(t, fmt.Sprintf("incident page %.40q", p), fetch(t, f.h, fmt.Sprintf("/incidents/%d", inc.ID), 200))
			if !strings.Contains(text, p) {
				t.Errorf("incident page lacks %.60q as text", p)
			}
			checkPage(t, fmt.Sprintf("window page %.40q", p), fetch(t, f.h, fmt.Sprintf("/maintenance/%d", wins[i].ID), 200))
		}
		checkFeedsInert(t, f, chunk)
		cal := parseICS(t, fetch(t, f.h, "/maintenance.ics", 200))
		if len(cal.events) != start+len(chunk) {
			t.Fatalf("%d events for %d windows: a name broke out of its property", len(cal.events), start+len(chunk))
		}
		checkJSONCarries(t, f, "/api/v2/incidents.json", chunk)
	}
	// Every incident and window is on these two pages (one month of
	// history; every window still upcoming).
	for _, path := range []string{"/history", "/maintenance"} {
		text := checkPage(t, path, fetch(t, f.h, path, 200))
		for _, p := range ps {
			if !strings.Contains(text, p) {
				t.Errorf("%s lacks %.60q as text", path, p)
			}
		}
	}
}

// checkFeedsInert decodes both feeds strictly and checks every entry's
// HTML content; each payload must show in a title as text.
func checkFeedsInert(t *testing.T, f *fixture, chunk []string) {
	t.Helper()
	var atom testAtom
	readFeed(t, f.h, "/feed.atom", "application/atom+xml; charset=utf-8", &atom)
	var rss testRSS
	readFeed(t, f.h, "/feed.rss", "application/rss+xml; charset=utf-8", &rss)
	titles := map[string]bool{}
	for _, e := range atom.Entries {
		checkFragment(t, "atom "+e.ID, e.Content.Body)
		titles[e.Title] = true
	}
	for _, it := range rss.Channel.Items {
		checkFragment(t, "rss "+it.GUID.ID, it.Description)
	}
	for _, p := range chunk {
		for _, suffix := range []string{" — Investigating", " — Resolved", " — Postmortem", " — Scheduled"} {
			if !titles[p+suffix] {
				t.Errorf("no feed entry titled %.60q", p+suffix)
			}
		}
	}
}

// checkJSONCarries checks a Statuspage list is valid JSON of the right
// type that carries each payload verbatim as a name.
func checkJSONCarries(t *testing.T, f *fixture, path string, chunk []string) {
	t.Helper()
	rec := get(f.h, path, "192.0.2.1:1", nil)
	if rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%s: type %q", path, rec.Header().Get("Content-Type"))
	}
	var v struct {
		Incidents             []incidentJSON `json:"incidents"`
		ScheduledMaintenances []incidentJSON `json:"scheduled_maintenances"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	names := map[string]bool{}
	for _, inc := range append(v.Incidents, v.ScheduledMaintenances...) {
		names[inc.Name] = true
	}
	for _, p := range chunk {
		if !names[p] {
			t.Errorf("%s lacks %.60q verbatim", path, p)
		}
	}
}
