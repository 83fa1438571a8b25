package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./ui -run %s -update and review the diff\ngot:\n%s", path, t.Name(), got)
	}
}

func TestHomeGolden(t *testing.T) {
	f := newFixture(t)
	rec := get(f.h, "/", "192.0.2.1:1", nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()
	for _, want := range []string{
		"Minor Service Outage", // web is down in one zone of two, the rest fine
		`<details class="group s-partial" id="group-core" open>`, // the group shows its worst member
		"Web &lt;app&gt;", "Example &lt;Status&gt;", // operator text escaped
		`<a class="bar-link" href="/components/api#days" data-end="2026-11-23">`,
		`aria-label="API, last 90 days: an outage on 1 day. Daily record"`,
		`<path class="d-mid" d="M435 17h3"/>`, // Nov 21 (2 % down), two days before today
		`href="/privacy"`, "Privacy &amp; terms",
		"No incidents reported", "No maintenance",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	if n := strings.Count(body, `class="bar-link"`); n != 3 {
		t.Errorf("%d bars, want 3", n)
	}
	golden(t, "home.html", rec.Body.Bytes())
}

func TestComponentGolden(t *testing.T) {
	f := newFixture(t)
	rec := get(f.h, "/components/web", "192.0.2.1:1", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{
		"Web &lt;app&gt;: <span data-live=\"text\">Partial Outage</span>",
		"<td>eu</td><td><span class=\"pill s-down\">Major Outage</span> <span class=\"reason\">connection refused</span>",
		"<td>us</td><td><span class=\"pill s-up\">Operational</span>",
		`<polyline class="p50"`, `<polyline class="p95"`,
		"Last 24 hours", "Last 7 days",
		"Partial Outage</span> <span class=\"from\">from Operational</span>",
		// The daily record behind the bar, newest first.
		`<li id="day-2026-11-22"><span class="dot d-mid" aria-hidden="true"></span> Nov 22, 2026: `, "partial outage 120 min",
		`<li id="day-2026-08-26"><span class="dot d-none" aria-hidden="true"></span> Aug 26, 2026: no data</li>`, // before monitoring began
	} {
		if !strings.Contains(body, want) {
			t.Errorf("component page lacks %q", want)
		}
	}
	golden(t, "component-web.html", rec.Body.Bytes())
}

// TestPublicPagesHideOperatorDetail: targets and raw errors name internal
// systems; only the short public reason may appear.
func TestPublicPagesHideOperatorDetail(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/components/api", "/components/web", "/components/docs", "/api/v2/summary.json",
		"/api/v2/components.json", "/api/v2/status.json", "/badge/web.svg", "/badge/web.svg?metric=uptime"} {
		body := get(f.h, path, "192.0.2.1:1", nil).Body.String()
		for _, secret := range []string{secretTarget, secretDetail, "10.1.2.3", "internal-api"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows %q", path, secret)
			}
		}
	}
}

// TestNoInlineScriptOrStyle: the CSP forbids inline code, so none may be
// written.
func TestNoInlineScriptOrStyle(t *testing.T) {
	f := newFixture(t)
	inline := regexp.MustCompile(`<script(\s[^>]*)?>[^<]|<script>|<style|\sstyle=|\son[a-z]+=`)
	for _, path := range []string{"/", "/components/web", "/components/nope"} {
		body := get(f.h, path, "192.0.2.1:1", nil).Body.String()
		if m := inline.FindString(body); m != "" {
			t.Errorf("%s has inline code: %q", path, m)
		}
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/components/api", "/api/v2/summary.json", "/badge/api.svg", "/static/nope.css", "/components/nope"} {
		rec := get(f.h, path, "192.0.2.1:1", nil)
		h := rec.Header()
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy: %v", path, h)
		}
		csp := h.Get("Content-Security-Policy")
		if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		wantFA := "frame-ancestors 'none'"
		if strings.HasPrefix(path, "/badge/") {
			wantFA = "frame-ancestors *"
		}
		if !strings.Contains(csp, wantFA) {
			t.Errorf("%s: CSP %q lacks %q", path, csp, wantFA)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", path)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.TLS = &tls.ConnectionState{}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if !strings.HasPrefix(rec.Header().Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS over TLS: %v", rec.Header())
	}
}

// TestCaching: one render per state, ETag and 304, gzip, a CDN-friendly
// Cache-Control, and a new ETag once the state changes.
func TestCaching(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/components/api", "/api/v2/summary.json", "/badge/api.svg"} {
		first := get(f.h, path, "192.0.2.1:1", nil)
		etag := first.Header().Get("ETag")
		cc := first.Header().Get("Cache-Control")
		if etag == "" || !strings.Contains(cc, "max-age=") || !strings.Contains(cc, "stale-while-revalidate") {
			t.Fatalf("%s: ETag %q Cache-Control %q", path, etag, cc)
		}
		if rec := get(f.h, path, "192.0.2.1:1", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("%s: If-None-Match: %d with %d bytes", path, rec.Code, rec.Body.Len())
		}
		gz := get(f.h, path, "192.0.2.1:1", map[string]string{"Accept-Encoding": "br, gzip"})
		if gz.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(gz.Header().Get("Vary"), "Accept-Encoding") {
			t.Fatalf("%s: not gzipped: %v", path, gz.Header())
		}
		zr, err := gzip.NewReader(gz.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, first.Body.Bytes()) {
			t.Errorf("%s: gzip body differs from the plain one (%v)", path, err)
		}
		if gz.Header().Get("ETag") == etag {
			t.Errorf("%s: gzip and plain share an ETag", path)
		}
		if rec := get(f.h, path, "192.0.2.1:1", map[string]string{"If-None-Match": `W/` + gz.Header().Get("ETag"), "Accept-Encoding": "gzip"}); rec.Code != http.StatusNotModified {
			t.Errorf("%s: a weak match of the gzip tag got %d", path, rec.Code)
		}
	}
	// Two changes at the same instant (results of two zones) each show.
	before := get(f.h, "/", "192.0.2.1:1", nil)
	f.in.Handle(result("api-health", "eu", t0.Add(time.Second), time.Millisecond, status.Down))
	mid := get(f.h, "/", "192.0.2.1:1", map[string]string{"If-None-Match": before.Header().Get("ETag")})
	if mid.Code != http.StatusOK || !strings.Contains(mid.Body.String(), `<li class="row s-partial" data-component="api">`) {
		t.Fatalf("after the first change: %d, API row still old", mid.Code)
	}
	f.in.Handle(result("api-health", "us", t0.Add(time.Second), time.Millisecond, status.Down))
	after := get(f.h, "/", "192.0.2.1:1", map[string]string{"If-None-Match": mid.Header().Get("ETag")})
	if after.Code != http.StatusOK || !strings.Contains(after.Body.String(), `<li class="row s-down" data-component="api">`) {
		t.Fatalf("after a second change at the same time: %d, banner still old", after.Code)
	}
}

func TestStaticAssets(t *testing.T) {
	f := newFixture(t)
	home := get(f.h, "/", "192.0.2.1:1", nil).Body.String()
	for _, re := range []string{`href="(/static/style\.[0-9a-f]{12}\.css)"`, `src="(/static/app\.[0-9a-f]{12}\.js)"`} {
		m := regexp.MustCompile(re).FindStringSubmatch(home)
		if m == nil {
			t.Fatalf("home does not link %s", re)
		}
		rec := get(f.h, m[1], "192.0.2.1:1", nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" || rec.Body.Len() == 0 {
			t.Errorf("%s: %d %q", m[1], rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	if rec := get(f.h, "/static/style.000000000000.css", "192.0.2.1:1", nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown asset: %d", rec.Code)
	}
}

func TestComponentNotFound(t *testing.T) {
	f := newFixture(t)
	rec := get(f.h, "/components/%3Cscript%3E", "192.0.2.1:1", nil)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "&lt;script&gt;") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// TestComponentPods: each instance of a pod set shows by number with its
// status; its address, an internal target, never does.
func TestComponentPods(t *testing.T) {
	f := newFixture(t)
	at := t0.Add(time.Second)
	for _, r := range []status.Result{
		{Check: "docs-home", Zone: "eu", Instance: "10.9.8.7:8080", Start: at, Outcome: status.Up},
		{Check: "docs-home", Zone: "eu", Instance: "10.9.8.8:8080", Start: at, Outcome: status.Down, Reason: "HTTP 500", Detail: secretDetail},
		{Check: "docs-home", Zone: "eu", Start: at, Outcome: status.Degraded, Reason: "1/2 pods healthy"},
	} {
		f.engine.Apply(r)
	}
	body := get(f.h, "/components/docs", "192.0.2.1:1", nil).Body.String()
	for _, want := range []string{
		`1 of 2 instances healthy <span class="pod s-up" title="Instance 1: Operational">1</span><span class="pod s-down" title="Instance 2: Major Outage (HTTP 500)">2</span>`,
		"1/2 pods healthy",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("docs page lacks %q", want)
		}
	}
	if strings.Contains(body, "10.9.8") {
		t.Error("the docs page shows an instance address")
	}
}
