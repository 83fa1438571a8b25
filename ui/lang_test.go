package ui

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/pkg/state"
)

// publicPaths are a page of every public type over seedPublicPages, and
// the feeds: each must come in the reader's language.
func publicPaths(p publicSeed) []string {
	return []string{
		"/", "/components/api", "/components/web",
		fmt.Sprintf("/incidents/%d", p.open.ID), fmt.Sprintf("/incidents/%d", p.resolved.ID),
		"/history", "/maintenance", fmt.Sprintf("/maintenance/%d", p.ny.ID),
		"/availability", "/availability/web/2026-11",
		"/api/v1/availability?from=2026-09-01&to=2026-11-23&format=html",
		"/components/nope", "/incidents/9999", "/availability/web/2026-13",
		"/feed.atom", "/feed.rss", "/maintenance.ics",
	}
}

// englishLeaks are the fixed English of the pages and feeds: words and
// phrases a German or Spanish reader must not meet. (Operator-written
// text, names and updates, stays as written and is not among them.)
var englishLeaks = regexp.MustCompile(`\b(` + strings.Join([]string{
	"Operational", "Degraded Performance", "Partial Outage", "Major Outage", "Under Maintenance", "No data",
	"All Systems Operational", "Partial System Outage", "Minor Service Outage",
	"Last updated", "Active incidents", "Incident history", "Current status", "Availability", "History", "Subscribe",
	"Times are shown", "Powered by", "Calendar", "Response time", "Recent changes", "Status by region", "Last check",
	"Uptime", "uptime", "90 days ago", "Today", "Daily record", "no outage", "Last 24 hours", "Last 7 days",
	"Started", "Duration", "Resolved", "Affected", "Affects", "Postmortem", "Published", "Updates", "so far", "ongoing",
	"No incidents", "In progress", "Upcoming", "Scheduled", "Newer", "Older", "Not found", "Back to the status page",
	"There is no", "Error budget", "Burn rate", "This month", "Component", "Printable report", "By month",
	"Excluded time", "Outages", "Whole period", "Generated", "Investigating", "Identified", "Monitoring",
	"all checks up", "no check has data", "zones reporting", `of \d+ zones`, "consecutive failures", "recovered after",
	"monitoring had not begun", "impact", "Reload", "this page updates", "minutes", "hours", "days", "just now", "Incidents and maintenance", "October",
	`(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d`, `\d+\.\d+ ?%`,
}, "|") + `)\b`)

var (
	markup     = regexp.MustCompile(`<[^>]*>`)
	shownAttrs = regexp.MustCompile(`\b(?:title|aria-label|alt|data-[a-z-]+)="([^"]*)"`)
)

// readerText is what a reader meets in a page or feed: its text, and the
// attributes a browser shows or reads out (title, aria-label) or the
// script writes into the page (data-*), without tags, classes or URLs.
func readerText(body string) string {
	var b strings.Builder
	for _, m := range shownAttrs.FindAllStringSubmatch(body, -1) {
		b.WriteString(m[1])
		b.WriteString("\n")
	}
	b.WriteString(markup.ReplaceAllString(body, " "))
	return b.String()
}

// TestNoEnglishInGermanOrSpanish renders every public page type and the
// feeds in German and in Spanish and finds none of the pages' fixed
// English in them; the same pages in English do show it, so the list
// is one that would catch a leak.
func TestNoEnglishInGermanOrSpanish(t *testing.T) {
	f := newFixture(t)
	p := seedPublicPages(t, f)
	english := 0
	for _, path := range publicPaths(p) {
		if englishLeaks.MatchString(readerText(get(f.h, path, "192.0.2.1:1", nil).Body.String())) {
			english++
		}
	}
	if english < len(publicPaths(p))-1 {
		t.Fatalf("only %d of %d English pages show any of the phrases: the list would catch nothing", english, len(publicPaths(p)))
	}
	want := map[string][]string{
		"de": {"Betriebsbereit", "Verfügbarkeit", "Vorfallsverlauf", "Oktober 2026"},
		"es": {"Operativo", "Disponibilidad", "Historial de incidencias", "noviembre de 2026"},
	}
	for _, lang := range []string{"de", "es"} {
		seen := map[string]bool{}
		for _, path := range publicPaths(p) {
			rec := get(f.h, path, "192.0.2.1:1", map[string]string{"Accept-Language": lang})
			body := readerText(rec.Body.String())
			if rec.Code >= 500 {
				t.Fatalf("%s in %s: %d", path, lang, rec.Code)
			}
			for _, m := range englishLeaks.FindAllStringIndex(body, -1) {
				from, to := max(0, m[0]-60), min(len(body), m[1]+60)
				t.Errorf("%s in %s shows %q: …%s…", path, lang, body[m[0]:m[1]], body[from:to])
			}
			if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") && !strings.Contains(rec.Body.String(), `<html lang="`+lang+`">`) {
				t.Errorf("%s in %s: no <html lang=%q>", path, lang, lang)
			}
			for _, w := range want[lang] {
				if strings.Contains(body, w) {
					seen[w] = true
				}
			}
		}
		for _, w := range want[lang] {
			if !seen[w] {
				t.Errorf("no %s page says %q", lang, w)
			}
		}
	}
}

// TestJSONStaysEnglish: the Statuspage JSON is the same whatever the
// reader's language, so its clients keep parsing it.
func TestJSONStaysEnglish(t *testing.T) {
	f := newFixture(t)
	seedPublicPages(t, f)
	for _, path := range []string{"/api/v2/summary.json", "/api/v2/components.json", "/api/v2/status.json", "/api/v1/availability?from=2026-11-01&to=2026-11-23"} {
		en := get(f.h, path, "192.0.2.1:1", nil).Body.String()
		de := get(f.h, path, "192.0.2.1:1", map[string]string{"Accept-Language": "de"}).Body.String()
		es := get(f.h, path+"?lang=es", "192.0.2.1:1", nil).Body.String()
		if strings.Contains(path, "?") {
			es = get(f.h, path+"&lang=es", "192.0.2.1:1", nil).Body.String()
		}
		if de != en || es != en {
			t.Errorf("%s differs by language", path)
		}
	}
}

// TestLanguageSelection: ?lang= wins, then Accept-Language by its
// q-values, then site.language; the switch links the same page (its
// ?page= kept) in each language, and links carry ?lang= on only when the
// reader chose by it.
func TestLanguageSelection(t *testing.T) {
	f := newFixture(t)
	seedPublicPages(t, f)
	page := func(path string, header map[string]string) string {
		rec := get(f.h, path, "192.0.2.1:1", header)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		return rec.Body.String()
	}
	for _, c := range []struct {
		path, accept, want string
	}{
		{"/", "", "en"},
		{"/", "de-DE,de;q=0.9,en;q=0.8", "de"},
		{"/", "fr-FR, es;q=0.8, de;q=0.5", "es"},
		{"/", "en;q=0.2, de;q=0.7", "de"},
		{"/", "fr, it", "en"},
		{"/", "*", "en"},
		{"/", "not a header ;;; q=x", "en"},
		{"/?lang=es", "de", "es"},
		{"/?lang=xx", "de", "en"},
		{"/history?lang=de", "", "de"},
	} {
		var h map[string]string
		if c.accept != "" {
			h = map[string]string{"Accept-Language": c.accept}
		}
		if body := page(c.path, h); !strings.Contains(body, `<html lang="`+c.want+`">`) {
			t.Errorf("%s with Accept-Language %q: not in %s", c.path, c.accept, c.want)
		}
	}

	chosen := page("/history?lang=es", nil)
	contains(t, "?lang=es page", chosen,
		`<strong lang="es" aria-current="true">Español</strong>`,
		`<a href="/history?lang=de" lang="de" hreflang="de">Deutsch</a>`,
		`<a href="/history?lang=en" lang="en" hreflang="en">English</a>`,
		`href="/maintenance?lang=es"`, `href="/availability?lang=es"`, `href="/?lang=es"`,
		`href="/incidents/`, `?lang=es">`)
	lacks(t, "?lang=es page", chosen, `href="/maintenance"`)

	browser := page("/history", map[string]string{"Accept-Language": "es"})
	contains(t, "Accept-Language page", browser, `href="/maintenance"`, `<a href="/history?lang=de"`)
	lacks(t, "Accept-Language page", browser, `href="/maintenance?lang=es"`)

	// The switch keeps the page of a paged list.
	contains(t, "page 2", page("/maintenance?page=1&lang=de", nil), `<a href="/maintenance?lang=es&amp;page=1"`)

	// Without JavaScript, the reload form keeps the language too.
	contains(t, "component reload", page("/components/api?lang=de", nil), `<input type="hidden" name="lang" value="de">`)

	// site.language is the default for readers who ask for nothing known.
	cfg := testConfig(t)
	cfg.Site.Language = "de"
	h := New(Deps{Config: cfg, Engine: state.New(cfg), Gatherer: prometheus.NewRegistry(), Started: t0})
	for accept, want := range map[string]string{"": "de", "fr": "de", "es": "es", "en-GB": "en"} {
		body := get(h, "/", "192.0.2.1:1", map[string]string{"Accept-Language": accept}).Body.String()
		if !strings.Contains(body, `<html lang="`+want+`">`) {
			t.Errorf("site.language de, Accept-Language %q: want %s", accept, want)
		}
	}
}

// TestCacheKeysByLanguage: an English and a German reader of the same
// address, one after the other, never get each other's page from the
// cache (nor a 304 for the other's ETag), and the answer tells caches in
// front (a CDN) that it varies by Accept-Language, with Cache-Control
// unchanged.
func TestCacheKeysByLanguage(t *testing.T) {
	f := newFixture(t)
	p := seedPublicPages(t, f)
	paths := []string{"/", "/components/api", "/history", "/maintenance", fmt.Sprintf("/incidents/%d", p.open.ID),
		"/availability", "/availability/web/2026-11", "/api/v1/availability?from=2026-11-01&to=2026-11-23&format=html", "/feed.atom", "/maintenance.ics"}
	for _, path := range paths {
		var etags []string
		for i, lang := range []string{"en", "de", "en", "es", "de"} {
			rec := get(f.h, path, "192.0.2.1:1", map[string]string{"Accept-Language": lang, "Accept-Encoding": "gzip"})
			if rec.Code != http.StatusOK {
				t.Fatalf("%s in %s: %d", path, lang, rec.Code)
			}
			h := rec.Header()
			if v := h.Get("Vary"); !strings.Contains(v, "Accept-Language") || !strings.Contains(v, "Accept-Encoding") || len(h.Values("Vary")) != 1 {
				t.Errorf("%s: Vary %q, want Accept-Language and Accept-Encoding on one line", path, h.Values("Vary"))
			}
			if h.Get("Cache-Control") != pageCacheControl {
				t.Errorf("%s: Cache-Control %q", path, h.Get("Cache-Control"))
			}
			plain := get(f.h, path, "192.0.2.1:1", map[string]string{"Accept-Language": lang}).Body.String()
			marker := `<html lang="` + lang + `">`
			switch {
			case strings.HasSuffix(path, ".atom"):
				marker = `xml:lang="` + lang + `"`
			case strings.HasSuffix(path, ".ics"):
				marker = map[string]string{"en": "> maintenance", "de": "> – Wartungen", "es": ">: mantenimiento"}[lang]
			}
			if !strings.Contains(plain, marker) {
				t.Errorf("%s: request %d in %s got another language's page (no %q)", path, i, lang, marker)
			}
			etags = append(etags, h.Get("ETag"))
		}
		if len(etags) == 5 && (etags[0] == etags[1] || etags[0] != etags[2] || etags[1] != etags[4]) {
			t.Errorf("%s: ETags by language en, de, en, es, de: %v", path, etags)
		}
		if len(etags) == 5 {
			rec := get(f.h, path, "192.0.2.1:1", map[string]string{"Accept-Language": "de", "Accept-Encoding": "gzip", "If-None-Match": etags[0]})
			if rec.Code == http.StatusNotModified {
				t.Errorf("%s: a German reader holding the English page's ETag got 304", path)
			}
		}
	}
}

// TestConfigKnowsTheLanguages: site.language accepts exactly the
// languages pkg/i18n ships.
func TestConfigKnowsTheLanguages(t *testing.T) {
	if !slices.Equal(config.SiteLanguages, i18n.Languages) {
		t.Fatalf("config.SiteLanguages %v, i18n.Languages %v", config.SiteLanguages, i18n.Languages)
	}
}

// TestCauseWords: the causes Ampel writes on a state change read in the
// reader's language, with names, reasons and titles as written; English
// and causes of no known form are shown as stored.
func TestCauseWords(t *testing.T) {
	de, es := loc{Lang: "de"}, loc{Lang: "es"}
	for _, c := range []struct {
		l           loc
		cause, want string
	}{
		{de, "all checks up", "alle Prüfungen in Ordnung"},
		{es, "web-home: down in eu (1 of 2 zones): connection refused", "web-home: caído en eu (1 de 2 zonas): connection refused"},
		{de, "web-home: down in eu, us (2 of 3 zones; 2 of 3 zones reporting)", "web-home: ausgefallen in eu, us (2 von 3 Zonen; 2 von 3 Zonen melden)"},
		{de, "api-health: degraded in us (1 of 2 zones)", "api-health: eingeschränkt in us (1 von 2 Zonen)"},
		{es, "incident 12: Web errors: part 2", "incidencia 12: Web errors: part 2"},
		{de, "maintenance 3: Database upgrade", "Wartung 3: Database upgrade"},
		{de, "stale: no results from zone eu since 2026-11-23T10:00:00Z", "veraltet: keine Ergebnisse aus Zone eu seit 23. Nov. 2026, 10:00 UTC"},
		{es, "3 consecutive failures: HTTP 503", "fallos seguidos: 3 (HTTP 503)"},
		{de, "recovered after 2 successful checks", "wieder in Ordnung (erfolgreiche Prüfungen in Folge: 2)"},
		{de, "no check has data", "keine Prüfung hat Daten"},
		{de, "something new and unknown", "something new and unknown"},
		{english, "web-home: down in eu (1 of 2 zones): connection refused", "web-home: down in eu (1 of 2 zones): connection refused"},
	} {
		if got := c.l.Cause(c.cause); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.l.Lang, c.cause, got, c.want)
		}
	}
}
