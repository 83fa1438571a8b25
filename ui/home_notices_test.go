package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestHomeShowsNotices: open incidents with their timeline newest first
// and rendered Markdown, windows in progress then upcoming with their
// times; resolved incidents and finished or cancelled windows stay off.
func TestHomeShowsNotices(t *testing.T) {
	f := newFixture(t)
	seedNotices(t, f.store)
	page := get(f.h, "/", "192.0.2.1:1", nil).Body.String()
	notices := noticesSection(t, page)
	for _, want := range []string{
		`class="notice impact-major"`, `class="notice impact-critical"`, "Critical impact", "Web errors", "Billing delays",
		"<strong>investigating</strong>", `<time datetime="2026-11-23T11:30:00&#43;01:00">`,
		"Database upgrade", "Docs move", "Affects: API", "Affects: Docs", "In progress", "Scheduled",
		`<time datetime="2026-11-24T12:00:00&#43;01:00">`, "Window: Database upgrade",
	} {
		if !strings.Contains(notices, want) {
			t.Errorf("notices lack %s", want)
		}
	}
	for _, gone := range []string{"Old outage", "Old window", "Called off", "No incidents reported", "No maintenance in progress"} {
		if strings.Contains(notices, gone) {
			t.Errorf("notices show %q", gone)
		}
	}
	order := []string{"Billing delays", "Web errors", "Rolled back; watching.", "Found a bad deploy.", "investigating</strong>", "Database upgrade", "Docs move"}
	at := -1
	for _, s := range order {
		i := strings.Index(notices, s)
		if i < at {
			t.Errorf("%q out of order", s)
		}
		at = i
	}
}

// noticesSection is the page's incidents and maintenance section.
func noticesSection(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `<section class="notices"`)
	j := strings.Index(page[max(i, 0):], "</section>")
	if i < 0 || j < 0 {
		t.Fatalf("no notices section in %s", page)
	}
	return page[i : i+j+len("</section>")]
}

// xssPayloads reads the markup corpus shared with pkg/markdown.
func xssPayloads(t *testing.T) []string {
	t.Helper()
	file, err := os.Open("../pkg/markdown/testdata/xss.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var ps []string
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if l := sc.Text(); strings.TrimSpace(l) != "" {
			ps = append(ps, l)
		}
	}
	if len(ps) < 100 {
		t.Fatalf("%d payloads", len(ps))
	}
	return ps
}

// safeElements are what the notices section may contain: the template's
// markup and what the Markdown policy lets through.
var safeElements = map[string]bool{
	"section": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "p": true, "span": true,
	"article": true, "ol": true, "ul": true, "li": true, "strong": true, "em": true, "code": true, "pre": true,
	"a": true, "time": true, "div": true, "del": true, "blockquote": true, "br": true, "hr": true,
	"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true,
}

// checkInert fails when html has an element outside safeElements, an
// event handler or style attribute, or a link to anything but http,
// https, mailto or this site.
func checkInert(t *testing.T, payload, src string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !safeElements[tok.Data] {
			t.Errorf("payload %.60q: <%s> in the page", payload, tok.Data)
		}
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(key, "on"), key == "style", key == "srcdoc", key == "formaction":
				t.Errorf("payload %.60q: attribute %s on <%s>", payload, key, tok.Data)
			case key == "href" || key == "src" || key == "action":
				u, err := url.Parse(strings.TrimSpace(a.Val))
				if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
					t.Errorf("payload %.60q: %s=%q", payload, key, a.Val)
				}
			}
		}
	}
}

// TestNoticesXSS puts every payload of the corpus in incident and window
// names and bodies, and checks the page keeps them inert and the JSON
// stays valid and carries them verbatim.
func TestNoticesXSS(t *testing.T) {
	ps := xssPayloads(t)
	f := newFixture(t)
	ctx := context.Background()
	const batch = 40 // under the 50 unresolved incidents listed
	for start := 0; start < len(ps); start += batch {
		chunk := ps[start:min(start+batch, len(ps))]
		var ids, wins []int64
		for i, p := range chunk {
			inc, err := f.store.CreateIncident(ctx, store.Incident{Name: p, Status: "investigating", Impact: "minor", Started: t0},
				store.IncidentUpdate{Status: "investigating", Body: p + "\n\n*" + p + "*", At: t0}, seedActor, t0)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, inc.ID)
			m, err := f.store.CreateMaintenance(ctx, store.Maintenance{Name: p, Status: "scheduled",
				ScheduledFor: t0.Add(time.Duration(i+1) * time.Hour), ScheduledUntil: t0.Add(time.Duration(i+2) * time.Hour)},
				store.MaintenanceUpdate{Status: "scheduled", Body: "[x](" + p + ") " + p, At: t0}, seedActor, t0)
			if err != nil {
				t.Fatal(err)
			}
			wins = append(wins, m.ID)
		}
		// Stored directly, not through the operator API: a state version
		// bump stands in for the API's.
		f.feed.Observe(status.Result{}, []status.Change{{Kind: status.Check, Subject: "seed", At: t0}})
		page := get(f.h, "/", "192.0.2.1:1", nil).Body.String()
		notices := noticesSection(t, page)
		for _, p := range chunk {
			checkInert(t, p, notices)
		}
		checkInert(t, "(all)", notices)
		if n := strings.Count(notices, `<article class="notice impact-minor"`); n != len(chunk) {
			t.Fatalf("%d incidents on the page, want %d", n, len(chunk))
		}
		for _, path := range []string{"/api/v2/summary.json", "/api/v2/incidents/unresolved.json", "/api/v2/scheduled-maintenances/upcoming.json"} {
			body := get(f.h, path, "192.0.2.1:1", nil).Body.Bytes()
			var v struct {
				Incidents             []incidentJSON `json:"incidents"`
				ScheduledMaintenances []incidentJSON `json:"scheduled_maintenances"`
			}
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			names := map[string]bool{}
			for _, inc := range append(v.Incidents, v.ScheduledMaintenances...) {
				names[inc.Name] = true
				for _, u := range inc.Updates {
					if strings.Contains(u.Body, "<p>") || strings.Contains(u.Body, "<em>") {
						t.Errorf("%s: body is rendered HTML: %.80q", path, u.Body)
					}
				}
			}
			for _, p := range chunk {
				if !names[p] {
					t.Errorf("%s lacks %.60q verbatim", path, p)
				}
			}
		}
		for _, id := range ids {
			if _, err := f.store.EditIncident(ctx, id, seedActor, "incident.update", t0, func(i *store.Incident) (*store.IncidentUpdate, error) {
				i.Status, i.Resolved = "resolved", t0
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range wins {
			if _, err := f.store.EditMaintenance(ctx, id, seedActor, "maintenance.update", t0, func(m *store.Maintenance) (*store.MaintenanceUpdate, error) {
				m.Status = "cancelled"
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
}
