package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// TestIncidentPage: an open incident with its facts, ETA, components and
// full timeline newest first with the changes each update made; a
// resolved one with its duration and postmortem.
func TestIncidentPage(t *testing.T) {
	f := newFixture(t)
	p := seedPublicPages(t, f)

	open := fetch(t, f.h, fmt.Sprintf("/incidents/%d", p.open.ID), 200)
	contains(t, "open incident", open,
		"<h1>Web errors</h1>", `class="pill impact-major">Monitoring</span>`, "Major impact",
		// Started 10:00 Berlin time, named by zone, with the machine time.
		`<time datetime="2026-11-23T10:00:00&#43;01:00">Nov 23, 2026, 10:00 CET</time>`,
		"<dt>Duration</dt><dd>2 hours so far</dd>",
		`<dd class="eta"><time datetime="2026-11-23T14:00:00&#43;01:00">Nov 23, 2026, 14:00 CET</time></dd>`,
		`Web &lt;app&gt; <span class="pill s-down">Major Outage</span>`,
		"<strong>investigating</strong>", "We are <strong>investigating</strong>.",
		`Web &lt;app&gt;: <span class="from">Partial Outage</span> → <span class="pill s-down">Major Outage</span>`,
		`Web &lt;app&gt;: <span class="from">Operational</span> → <span class="pill s-partial">Partial Outage</span>`,
	)
	lacks(t, "open incident", open, "Postmortem", "<dt>Resolved</dt>")
	at := -1
	for _, s := range []string{"Rolled back; watching.", "Found a bad deploy.", "We are <strong>investigating</strong>."} {
		i := strings.Index(open, s)
		if i < at {
			t.Errorf("%q out of order: the timeline is not newest first", s)
		}
		at = i
	}

	done := fetch(t, f.h, fmt.Sprintf("/incidents/%d", p.resolved.ID), 200)
	contains(t, "resolved incident", done,
		"<h1>Old outage</h1>", ">Resolved</span>", "<dt>Resolved</dt>", "<dt>Duration</dt><dd>1 hour</dd>",
		`<h2 id="pm-title">Postmortem</h2>`, "A <strong>config push</strong> broke routing.",
		`Published <time datetime="2026-11-20T14:00:00&#43;01:00">`,
	)
	lacks(t, "resolved incident", done, "Estimated resolution", "so far")

	for _, path := range []string{fmt.Sprintf("/incidents/%d", p.secret.ID), "/incidents/9999", "/incidents/abc", "/incidents/-1", "/incidents/0"} {
		body := fetch(t, f.h, path, 404)
		contains(t, path, body, "There is no such incident.")
		lacks(t, path, body, "Secret draft", "Draft body")
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		20 * time.Second: "under a minute", time.Minute: "1 minute", 59 * time.Minute: "59 minutes",
		time.Hour: "1 hour", 150 * time.Minute: "2 hours and 30 minutes", 49 * time.Hour: "2 days and 1 hour", 72 * time.Hour: "3 days",
	} {
		if got := english.Duration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

// TestHistoryPages: three months a page, newest first, empty months
// said so, links between pages, 404 past the oldest page and for bad
// page numbers, and never a draft.
func TestHistoryPages(t *testing.T) {
	f := newFixture(t)
	p := seedPublicPages(t, f)
	ctx := context.Background()
	// One incident in July 2026 and one in December 2025: pages 2 and 4.
	for _, at := range []time.Time{time.Date(2026, 7, 15, 9, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)} {
		name := "Outage of " + at.In(f.cfg.Location).Format("January 2006")
		if _, err := f.store.CreateIncident(ctx, store.Incident{Name: name, Status: "resolved", Impact: "minor", Started: at, Resolved: at.Add(time.Hour)},
			store.IncidentUpdate{Status: "resolved", Body: "Fixed *" + name + "*.", At: at}, seedActor, t0); err != nil {
			t.Fatal(err)
		}
	}
	bump(f)

	one := fetch(t, f.h, "/history", 200)
	contains(t, "page 1", one, "<h2 id=\"h2026-11\">November 2026</h2>", "October 2026", "September 2026",
		"No incidents reported in October 2026.", "No incidents reported in September 2026.",
		fmt.Sprintf(`<a class="title" href="/incidents/%d">Web errors</a>`, p.open.ID), "Billing delays", "Old outage",
		"ongoing, 2 hours so far", `<a rel="next" class="older" href="/history?page=2">Older →</a>`,
		"Rolled back; watching.")
	lacks(t, "page 1", one, "Secret draft", "Draft body", "← Newer", "July 2026", "No incidents reported in November 2026")
	if a, b := strings.Index(one, "Billing delays"), strings.Index(one, "Old outage"); a > b {
		t.Error("November's incidents are not newest first")
	}

	two := fetch(t, f.h, "/history?page=2", 200)
	contains(t, "page 2", two, "August 2026", "July 2026", "June 2026", "Outage of July 2026", "Fixed <em>Outage of July 2026</em>.",
		`<a rel="prev" href="/history">← Newer</a>`, `href="/history?page=3"`)
	three := fetch(t, f.h, "/history?page=3", 200)
	contains(t, "page 3", three, "May 2026", "No incidents reported in March 2026.", `href="/history?page=2"`, `href="/history?page=4"`)
	// 23:30 UTC on Dec 31 is Jan 1 in Berlin: the site's zone decides.
	four := fetch(t, f.h, "/history?page=4", 200)
	contains(t, "page 4", four, "February 2026", "January 2026", "December 2025", "Outage of January 2026")
	lacks(t, "page 4", four, "Older →")
	for _, bad := range []string{"/history?page=5", "/history?page=0", "/history?page=x", "/history?page=-2", "/history?page=100000"} {
		contains(t, bad, fetch(t, f.h, bad, 404), "There is no such page of the incident history.")
	}
}

// TestHistoryEmpty: a page with no incident at all still has one page,
// each month saying it had none.
func TestHistoryEmpty(t *testing.T) {
	f := newFixture(t)
	body := fetch(t, f.h, "/history", 200)
	contains(t, "empty history", body, "No incidents reported in November 2026.", "No incidents reported in September 2026.")
	lacks(t, "empty history", body, "Older →")
	fetch(t, f.h, "/history?page=2", 404)
}

// TestMaintenancePage: in progress, upcoming and past sections, windows
// in their own zone and the site's, cancelled ones marked, past ones
// paged, and one window's own page.
func TestMaintenancePage(t *testing.T) {
	f := newFixture(t)
	p := seedPublicPages(t, f)
	ctx := context.Background()
	body := fetch(t, f.h, "/maintenance", 200)
	sections := map[string]string{}
	for _, name := range []string{"active", "upcoming", "past"} {
		i := strings.Index(body, `aria-labelledby="`+name+`-title"`)
		j := strings.Index(body[max(i, 0):], "</section>")
		if i < 0 || j < 0 {
			t.Fatalf("no %s section", name)
		}
		sections[name] = body[i : i+j]
	}
	contains(t, "in progress", sections["active"], "Database upgrade", `class="pill w-active">In progress</span>`, "Affects: API", "<details class=\"maint-updates\" open>")
	contains(t, "upcoming", sections["upcoming"], "Docs move", "Network swap", "We <strong>swap</strong> routers.",
		"Affects: API, Web &lt;app&gt;",
		// Its own zone first, then the site's.
		`<time datetime="2026-11-26T06:00:00-05:00" data-fixed>Nov 26, 2026, 06:00 EST (America/New_York)</time>`,
		`<span class="tz-label">Site time</span>: <time datetime="2026-11-26T12:00:00&#43;01:00">Nov 26, 2026, 12:00 CET</time>`,
		fmt.Sprintf(`id="m-%d"`, p.ny.ID), "3 hours")
	contains(t, "past", sections["past"], "Old window", "Called off", `class="notice maint w-cancelled"`, `>Cancelled</span>`, "Windows 1–2 of 2.")
	lacks(t, "past", sections["past"], "Database upgrade", "Docs move")

	// 25 more past windows: 27 in all, 20 on page 1.
	for i := range 25 {
		from := t0.Add(-time.Duration(200+i) * time.Hour)
		if _, err := f.store.CreateMaintenance(ctx, store.Maintenance{Name: fmt.Sprintf("Patch %02d", i), Status: "completed", ScheduledFor: from, ScheduledUntil: from.Add(time.Hour)},
			store.MaintenanceUpdate{Status: "completed", Body: "Done.", At: from}, seedActor, t0); err != nil {
			t.Fatal(err)
		}
	}
	bump(f)
	body = fetch(t, f.h, "/maintenance", 200)
	contains(t, "page 1", body, "Windows 1–20 of 27.", `href="/maintenance?page=2"`, "Patch 17")
	lacks(t, "page 1", body, "Patch 18")
	two := fetch(t, f.h, "/maintenance?page=2", 200)
	contains(t, "page 2", two, "Windows 21–27 of 27.", "Patch 18", "Patch 24", `<a rel="prev" href="/maintenance">← Newer</a>`)
	lacks(t, "page 2", two, "Database upgrade", "Older →", "In progress</h2>")
	for _, bad := range []string{"/maintenance?page=3", "/maintenance?page=0", "/maintenance?page=z"} {
		fetch(t, f.h, bad, 404)
	}

	one := fetch(t, f.h, fmt.Sprintf("/maintenance/%d", p.ny.ID), 200)
	contains(t, "window page", one, "Network swap", "Planned.", "<details class=\"maint-updates\" open>")
	for _, bad := range []string{"/maintenance/9999", "/maintenance/x"} {
		contains(t, bad, fetch(t, f.h, bad, 404), "There is no such maintenance.")
	}
}

// TestHomeLinksAndETA: the front page links each notice to its page and
// shows the open incident's ETA.
func TestHomeLinksAndETA(t *testing.T) {
	f := newFixture(t)
	p := seedPublicPages(t, f)
	notices := noticesSection(t, fetch(t, f.h, "/", 200))
	contains(t, "notices", notices,
		fmt.Sprintf(`<a class="title" href="/incidents/%d">Web errors</a>`, p.open.ID),
		`Estimated resolution: <time datetime="2026-11-23T14:00:00&#43;01:00">`,
		fmt.Sprintf(`<a class="title" href="/maintenance/%d">Database upgrade</a>`, p.active.ID))
	lacks(t, "notices", notices, "Secret draft")
	if n := strings.Count(notices, "Estimated resolution"); n != 1 {
		t.Errorf("%d ETAs, want only the open incident's", n)
	}
}
