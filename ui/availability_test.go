package ui

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// The fixture's history runs the 96 hours before t0 (Nov 23, 12:00 in
// Berlin): API down everywhere for 30 minutes, Web down in one of two
// zones (partial, quorum 2) for 2 hours and the last 20 minutes.
//
//	API: 1 − 1800 / 345600 = 0.994791667 → 99.479 %
//	Web: 1 − 0.3 × 8400 / 345600 = 1 − 2520 / 345600 = 0.992708333 → 99.270 %
func TestAvailabilityPage(t *testing.T) {
	f := newFixture(t)
	rec := get(f.h, "/availability", "192.0.2.1:1", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	// The export links cover the page's thirteen months and work.
	for _, format := range []string{"&amp;format=html", "&amp;format=csv", `"`} {
		link := `/api/v1/availability?from=2025-11-01&amp;to=2026-11-30` + format
		if !strings.Contains(body, `href="`+link) {
			t.Errorf("no link %s", link)
		}
		if rec := get(f.h, strings.ReplaceAll(strings.TrimSuffix(link, `"`), "&amp;", "&"), "192.0.2.1:1", nil); rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", link, rec.Code, rec.Body)
		}
	}
	for _, want := range []string{
		"November 2026 so far", "99.479%", "99.270%", "Web &lt;app&gt;", "Error budget left",
		`href="/availability/api/2026-11"`, `href="/availability/web/2025-11"`, "December 2025",
		"<td>30.0 min</td><td>0 min</td>", // API's downtime this month: major, partial
		"credit 10%",                      // 99.479 % is below the 99.9 % tier
		"below 99.9%: 10% credit",
		`<th scope="row">Core</th>`, // the group
		"format=html", "format=csv",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/availability lacks %q", want)
		}
	}
}

func TestAvailabilityMonthBreakdown(t *testing.T) {
	f := newFixture(t)
	rec := get(f.h, "/availability/api/2026-11", "192.0.2.1:1", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{
		"API: November 2026", "99.479%",
		"api-health: down in eu, us (2 of 2 zones): connection refused", // the component's cause
		"<code>api-health</code>", // the check's own change
		"major 30.0 min, partial 0 min",
		`href="/availability/api/2026-10"`,
		"Excluded time", "monitoring had not begun", // Nov 1 to the first result
	} {
		if !strings.Contains(body, want) {
			t.Errorf("breakdown lacks %q", want)
		}
	}
	if strings.Contains(body, secretDetail) || strings.Contains(body, secretTarget) {
		t.Error("the breakdown shows an operator-only detail")
	}
	for _, path := range []string{"/availability/nope/2026-11", "/availability/api/2026-13", "/availability/api/x", "/availability/api/2026-12", "/availability/api/1999-12"} {
		if rec := get(f.h, path, "192.0.2.1:1", nil); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
	if body := get(f.h, "/availability/docs/2026-11", "192.0.2.1:1", nil).Body.String(); !strings.Contains(body, "No outage this month.") {
		t.Error("docs: no empty state")
	}
}

func TestAvailabilityAPI(t *testing.T) {
	f := newFixture(t)
	rec := get(f.h, "/api/v1/availability?component=web&from=2026-10-15&to=2026-11-23", "192.0.2.1:1", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var body reportJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Components) != 1 || len(body.Components[0].Months) != 2 {
		t.Fatalf("%+v", body)
	}
	web := body.Components[0]
	oct, nov := web.Months[0], web.Months[1]
	if oct.Month != "2026-10" || oct.Availability != nil || oct.NoDataSeconds != oct.PeriodSeconds || oct.SLOStatus != "no_data" {
		t.Errorf("October, before monitoring began: %+v", oct)
	}
	// Web's budget (16.6 min: the month less its 18.5 days without data)
	// is overspent by 25.4 min: the running month is missed already.
	if nov.Availability == nil || *nov.Availability != 99.270833 || nov.PartialSeconds != 8400 || nov.DowntimeSeconds != 2520 || nov.SLOMet || nov.CreditPercent != 10 || nov.SLOStatus != "missed" {
		t.Errorf("November: %+v", nov)
	}
	if web.Total.Availability == nil || *web.Total.Availability != 99.270833 || body.TimeZone != "Europe/Berlin" || body.PartialWeight != 0.3 {
		t.Errorf("total: %+v", body)
	}

	rec = get(f.h, "/api/v1/availability?from=2026-11-01&to=2026-11-23&format=csv", "192.0.2.1:1", nil)
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %v", rec.Code, err)
	}
	// A header, then a month and a total row for each of 3 components.
	if len(rows) != 7 || rows[0][0] != "component" || rows[1][0] != "api" || rows[1][5] != "99.479167" || rows[2][2] != "total" ||
		rows[0][16] != "slo_status" || rows[1][16] != "missed" || rows[5][16] != "met" {
		t.Errorf("csv rows: %q", rows)
	}

	rec = get(f.h, "/api/v1/availability?component=api&from=2026-11-01&to=2026-11-23&format=html", "192.0.2.1:1", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "availability report") || !strings.Contains(rec.Body.String(), "99.4792%") {
		t.Errorf("printable: %d %s", rec.Code, rec.Body)
	}
}

func TestAvailabilityAPIErrors(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ query, field string }{
		{"from=2026-02-30", "from"},
		{"from=yesterday", "from"},
		{"to=2026-1-1", "to"},
		{"from=2026-11-10&to=2026-11-01", "from"},
		{"from=2024-01-01&to=2026-11-01", "to"},
		{"from=2025-10-01&to=2026-11-30", "to"}, // 426 days
		{"component=nope", "component"},
		{"format=pdf", "format"},
		{"from=2026-11-01&from=2026-11-02", "from"},
	} {
		rec := get(f.h, "/api/v1/availability?"+c.query, "192.0.2.1:1", nil)
		var e apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusBadRequest || e.Field != c.field || e.Error == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", c.query, rec.Code, rec.Body, c.field)
		}
	}
	// Parameters of no meaning here are ignored, even when repeated.
	for _, q := range []string{"utm_source=a&utm_source=b", "=&=", "from=2026-11-01&_=1&_=2"} {
		if rec := get(f.h, "/api/v1/availability?"+q, "192.0.2.1:1", nil); rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", q, rec.Code, rec.Body)
		}
	}
}

// TestWindowMatchesSpanRollups: the last-N-days figures, computed from the
// months already read plus the one month the window cuts, equal those
// summed straight over the window's days, for windows that start inside a
// month, on its first day, and reach back over several months.
func TestWindowMatchesSpanRollups(t *testing.T) {
	f := newFixture(t)
	s, err := newSite(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := s.now()
	months := availability.Months(now, s.loc(), reportMonths)
	by, err := s.monthly(ctx, months)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, 5, 23, 40, 90, 300} {
		span := availability.LastDays(now, s.loc(), n)
		got, err := s.window(ctx, span, by)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.store.SpanRollups(ctx, status.Component, span.FirstDay, span.LastDay)
		if err != nil {
			t.Fatal(err)
		}
		direct := map[string]store.SpanRollup{}
		for _, r := range rows {
			direct[r.Subject] = r
		}
		for _, comp := range f.cfg.Components {
			want := availability.Evaluate(availability.FromRollup(direct[comp.Slug], span), span, s.target(&comp))
			if got[comp.Slug] != want {
				t.Errorf("%d days, %s: %+v, want %+v", n, comp.Slug, got[comp.Slug], want)
			}
		}
	}
}

func TestCauseLink(t *testing.T) {
	for cause, want := range map[string]string{
		"incident 12: Elevated API errors": "/incidents/12",
		"maintenance 3: DB upgrade":        "/maintenance/3",
		"api-health: down in eu":           "",
		"incident x: y":                    "",
		"maintenance 0: none":              "",
		"incident 7":                       "",
	} {
		if got := causeLink(cause); got != want {
			t.Errorf("causeLink(%q) = %q, want %q", cause, got, want)
		}
	}
}

// TestSummaryCarriesTheReportsFigures: summary.json's availability is the
// report's, this month and over the last 90 days, for every component.
func TestSummaryCarriesTheReportsFigures(t *testing.T) {
	f := newFixture(t)
	var summary struct {
		Availability summaryAvailability `json:"availability"`
	}
	rec := get(f.h, "/api/v2/summary.json", "192.0.2.1:1", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &summary); err != nil {
		t.Fatal(err)
	}
	report := func(from, to string) map[string]componentJSON {
		t.Helper()
		var body reportJSON
		rec := get(f.h, "/api/v1/availability?from="+from+"&to="+to, "192.0.2.1:1", nil)
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		out := map[string]componentJSON{}
		for _, c := range body.Components {
			out[c.ID] = c
		}
		return out
	}
	month, window := report("2026-11-01", "2026-11-30"), report("2026-08-26", "2026-11-23")
	a := summary.Availability
	if a.TimeZone != "Europe/Berlin" || a.PartialWeight != 0.3 || len(a.Components) != len(month) {
		t.Fatalf("summary availability %+v", a)
	}
	text := func(p *float64) string {
		if p == nil {
			return "null"
		}
		return strconv.FormatFloat(*p, 'f', 6, 64)
	}
	for _, c := range a.Components {
		m, w := month[c.ID].Months[0], window[c.ID].Total
		if text(c.ThisMonth) != text(m.Availability) || c.SLOMet != m.SLOMet || c.BudgetLeftSeconds != m.BudgetLeftSeconds ||
			c.BudgetLeftPercent != m.BudgetLeftPercent || c.SLO != month[c.ID].SLO || text(c.Last90Days) != text(w.Availability) {
			t.Errorf("%s: summary %+v, report this month %+v, last 90 days %s", c.ID, c, m, text(w.Availability))
		}
	}
	// The hand-computed figures of TestAvailabilityPage, which the 90-day
	// bars on / show too.
	if got := text(a.Components[0].ThisMonth) + " " + text(a.Components[0].Last90Days); a.Components[0].ID != "api" || got != "99.479167 99.479167" {
		t.Errorf("api: %s %s", a.Components[0].ID, got)
	}
	if home := get(f.h, "/", "192.0.2.1:1", nil).Body.String(); !strings.Contains(home, "99.47% uptime") || !strings.Contains(home, "99.27% uptime") {
		t.Error("the home page's 90-day figures differ from summary.json's")
	}
}

// TestMissedOnlyOnceTheBudgetIsSpent: in the fixture's November, API
// (99.479 % against 99.9 %) has overspent its 16.6-minute budget by 13.4
// minutes, so no uptime to come can make the month meet its SLO: it is
// missed while still running. The groups, with no budget of their own,
// are below their SLO so far. Seen from December, the month is missed.
func TestMissedOnlyOnceTheBudgetIsSpent(t *testing.T) {
	f := newFixture(t)
	page := func(h http.Handler, path string) string {
		t.Helper()
		rec := get(h, path, "192.0.2.1:1", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		return rec.Body.String()
	}
	body := page(f.h, "/availability")
	for _, want := range []string{
		`<td class="a-missed">99.479% missed</td>`, "none: 13.4 min over 16.6 min",
		`href="/availability/api/2026-11">99.479%</a> <span class="credit">SLO missed</span>`,
		// The Core group: the mean of API and Web, (99.479167 + 99.270833) / 2.
		`<td class="a-missed">99.375% <span class="credit">below SLO so far</span></td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/availability in November lacks %q", want)
		}
	}
	if b := page(f.h, "/availability/api/2026-11"); !strings.Contains(b, "99.9% · missed") {
		t.Error("the breakdown of an overspent running month does not say missed")
	}

	december := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	later := New(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Gatherer: prometheus.NewRegistry(),
		Health: func() error { return nil }, Now: func() time.Time { return december }, Started: t0.Add(-96 * time.Hour)})
	body = page(later, "/availability")
	if !strings.Contains(body, `<td class="a-missed">99.375% <span class="credit">SLO missed</span></td>`) {
		t.Error("seen from December, the Core group's November does not say SLO missed")
	}
}

// TestBelowSoFarWhileTheBudgetLasts: a running month under its SLO with
// budget left is "below so far" everywhere it is judged; the same figures
// for a finished month, or with the budget overspent, are missed.
func TestBelowSoFarWhileTheBudgetLasts(t *testing.T) {
	running := availability.Figures{Known: true, Availability: 0.9985, SLO: 99.9, Running: true, BudgetLeft: 5 * time.Minute}
	if v, c := figOf(english, running), cellOf(english, running); v.Verdict != "below so far" || c.Missed != "below SLO so far" || c.Class != "a-missed" {
		t.Errorf("running with budget left: verdict %q, cell %q", v.Verdict, c.Missed)
	}
	overspent := running
	overspent.BudgetLeft = -time.Second
	finished := running
	finished.Running = false
	for name, f := range map[string]availability.Figures{"overspent": overspent, "finished": finished} {
		if v, c := figOf(english, f), cellOf(english, f); v.Verdict != "missed" || c.Missed != "SLO missed" {
			t.Errorf("%s: verdict %q, cell %q", name, v.Verdict, c.Missed)
		}
	}
	met := running
	met.Met, met.Availability = true, 0.9995
	if v, c := figOf(english, met), cellOf(english, met); v.Verdict != "met" || c.Missed != "" {
		t.Errorf("met: verdict %q, cell %q", v.Verdict, c.Missed)
	}
	if v, c := figOf(english, availability.Figures{}), cellOf(english, availability.Figures{}); v.Verdict != "" || c.Missed != "" {
		t.Errorf("no data: verdict %q, cell %q", v.Verdict, c.Missed)
	}
}
