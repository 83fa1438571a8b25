package ui

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// fleetConsole is the console over the public fixture's fleet (four days
// of results through the real ingest path), signed in as an operator.
func fleetConsole(t *testing.T) *browser {
	t.Helper()
	f := newFixture(t)
	cf := &consoleFixture{t: t, st: f.store}
	now := t0
	cf.now.Store(&now)
	cf.e = New(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Gatherer: prometheus.NewRegistry(),
		Now: func() time.Time { return *cf.now.Load() }, Started: t0.Add(-96 * time.Hour)}).(*echo.Echo)
	cf.addUser("ops@example.com", "operator", "correct horse battery")
	b := cf.browser()
	b.login("ops@example.com", "correct horse battery")
	return b
}

// TestConsoleFleet: the dashboard shows what is red without the public
// page: every component worst first, each check in each zone with its
// status, latency and last error (the raw one: operators may see it),
// linking to the check's recent results.
func TestConsoleFleet(t *testing.T) {
	b := fleetConsole(t)
	res, body := b.get("/admin")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d", res.StatusCode)
	}
	_, fleet, ok := strings.Cut(body, `id="fleet-title"`)
	if !ok {
		t.Fatal("no fleet on the dashboard")
	}
	fleet, _, _ = strings.Cut(fleet, "</section>")
	// Web is in partial outage, Docs degraded, API up: in that order.
	if !before(fleet, "Web &lt;app&gt;", "Docs") || !before(fleet, "Docs", ">API<") {
		t.Errorf("components not worst first:\n%s", fleet)
	}
	contains(t, "fleet", fleet,
		`<a href="/admin/checks/web-home">web-home</a>`, `<span class="state s-partial">Partial Outage</span>`, `<span class="state s-down">Major Outage</span></td><td>eu</td>`,
		"<td>eu</td>", "<td>us</td>", "<strong>connection refused</strong>", secretDetail, "<td>100ms <span",
		`<strong>slow response</strong>`)
	res, page := b.get("/admin/checks/web-home")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("check page: %d", res.StatusCode)
	}
	// The last day: 144 runs in each of two zones, newest first, capped.
	if n := strings.Count(page, "<tr><td><time"); n != checkResultsLimit {
		t.Errorf("%d results listed, want %d", n, checkResultsLimit)
	}
	contains(t, "check page", page, "Component Web &lt;app&gt;", "connection refused", secretDetail)
	if res, _ := b.get("/admin/checks/nope"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown check: %d", res.StatusCode)
	}
}
