package ui

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

var t0 = time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)

func testConfig(t testing.TB) *config.Config {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string) []config.Check {
		return []config.Check{{Name: name, Zones: []string{"local"}, FailuresToDown: 1, SuccessesToUp: 1}}
	}
	return &config.Config{
		Site:     config.Site{Title: "Example Status", PublicURL: "https://status.example.com"},
		Location: berlin,
		Server:   config.Server{MetricsToken: "s3cret"},
		Components: []config.Component{
			{Slug: "api", Name: "API", Group: "Core", Description: "Public REST API", Checks: check("api-health")},
			{Slug: "web", Name: "Web", Group: "Core", Checks: check("web-home")},
			{Slug: "docs", Name: "Docs", Checks: check("docs-home")},
		},
	}
}

func newHandler(t testing.TB, health func() error) (http.Handler, *state.Engine) {
	t.Helper()
	cfg := testConfig(t)
	engine := state.New(cfg)
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "ampel_test_total", Help: "x"}))
	return New(Deps{Config: cfg, Engine: engine, Health: health, Gatherer: reg, Started: t0}), engine
}

func get(h http.Handler, path, remote string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = remote
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHealthz(t *testing.T) {
	var healthErr error
	h, _ := newHandler(t, func() error { return healthErr })
	if rec := get(h, "/healthz", "192.0.2.1:5000", nil); rec.Code != http.StatusOK {
		t.Fatalf("healthy: %d %s", rec.Code, rec.Body)
	}
	healthErr = errors.New("store cannot write")
	rec := get(h, "/healthz", "192.0.2.1:5000", nil)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "store cannot write") {
		t.Fatalf("unhealthy: %d %s", rec.Code, rec.Body)
	}
}

func TestMetricsAccess(t *testing.T) {
	h, _ := newHandler(t, func() error { return nil })
	cases := []struct {
		name   string
		remote string
		auth   string
		code   int
	}{
		{"loopback v4", "127.0.0.1:4000", "", http.StatusOK},
		{"loopback v6", "[::1]:4000", "", http.StatusOK},
		{"stranger", "192.0.2.7:4000", "", http.StatusForbidden},
		{"stranger with forwarded header", "192.0.2.7:4000", "", http.StatusForbidden},
		{"stranger with token", "192.0.2.7:4000", "Bearer s3cret", http.StatusOK},
		{"stranger with wrong token", "192.0.2.7:4000", "Bearer nope", http.StatusForbidden},
		// RFC 9110 §11.1: the scheme's name is case-insensitive.
		{"stranger with token, scheme in lower case", "192.0.2.7:4000", "bearer s3cret", http.StatusOK},
		{"stranger with token, scheme in upper case", "192.0.2.7:4000", "BEARER s3cret", http.StatusOK},
		{"stranger with token in another scheme", "192.0.2.7:4000", "Basic s3cret", http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Real-Ip": "127.0.0.1"}
			if c.auth != "" {
				hdr["Authorization"] = c.auth
			}
			rec := get(h, "/metrics", c.remote, hdr)
			if rec.Code != c.code {
				t.Fatalf("status %d, want %d", rec.Code, c.code)
			}
			if c.code == http.StatusOK && !strings.Contains(rec.Body.String(), "ampel_test_total 0") {
				t.Errorf("body lacks the registry's metric: %s", rec.Body)
			}
			if c.code != http.StatusOK && strings.Contains(rec.Body.String(), "ampel_") {
				t.Errorf("a refused request saw metrics")
			}
		})
	}
}

// TestMetricsNegotiation: /metrics goes through promhttp, so a scraper
// that asks for OpenMetrics gets it, one that takes gzip gets gzip, and
// anything else the text format.
func TestMetricsNegotiation(t *testing.T) {
	h, _ := newHandler(t, func() error { return nil })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	fetch := func(accept, encoding string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Encoding", encoding)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var r io.Reader = res.Body
		if res.Header.Get("Content-Encoding") == "gzip" {
			if r, err = gzip.NewReader(res.Body); err != nil {
				t.Fatal(err)
			}
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(b)
	}
	res, body := fetch("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", "")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") || !strings.HasSuffix(body, "# EOF\n") ||
		!strings.Contains(body, "ampel_test_total 0") {
		t.Errorf("OpenMetrics asked: %q\n%s", ct, body)
	}
	res, body = fetch("text/plain", "gzip")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") || res.Header.Get("Content-Encoding") != "gzip" ||
		!strings.Contains(body, "# TYPE ampel_test_total counter") {
		t.Errorf("gzip asked: %q, encoding %q\n%s", ct, res.Header.Get("Content-Encoding"), body)
	}
}

// TestComponentsJSONShape checks /api/v2/components.json field by field
// against Statuspage's public API: every field of its component object with
// its JSON type, groups as components with group=true.
func TestComponentsJSONShape(t *testing.T) {
	h, engine := newHandler(t, func() error { return nil })
	engine.Apply(status.Result{Check: "api-health", Zone: "local", Start: t0, Outcome: status.Up})
	engine.Apply(status.Result{Check: "web-home", Zone: "local", Start: t0.Add(time.Minute), Outcome: status.Down, Reason: "HTTP 503"})
	engine.Apply(status.Result{Check: "docs-home", Zone: "local", Start: t0, Outcome: status.Degraded, Reason: "slow"})

	rec := get(h, "/api/v2/components.json", "192.0.2.1:1", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	page := body["page"].(map[string]any)
	wantPage := map[string]any{
		"id": "status-example-com", "name": "Example Status", "url": "https://status.example.com",
		"time_zone": "Europe/Berlin", "updated_at": "2026-11-23T12:01:00.000+01:00",
	}
	for k, v := range wantPage {
		if page[k] != v {
			t.Errorf("page.%s = %#v, want %#v", k, page[k], v)
		}
	}
	comps := body["components"].([]any)
	type want struct {
		id, name, status string
		group            bool
		groupID          any
		description      any
		position         float64
		updated          string
	}
	wants := []want{
		{"group-core", "Core", "major_outage", true, nil, nil, 1, "2026-11-23T12:01:00.000+01:00"},
		{"api", "API", "operational", false, "group-core", "Public REST API", 1, "2026-11-23T12:00:00.000+01:00"},
		{"web", "Web", "major_outage", false, "group-core", nil, 2, "2026-11-23T12:01:00.000+01:00"},
		{"docs", "Docs", "degraded_performance", false, nil, nil, 3, "2026-11-23T12:00:00.000+01:00"},
	}
	if len(comps) != len(wants) {
		t.Fatalf("%d components, want %d: %s", len(comps), len(wants), rec.Body)
	}
	for i, w := range wants {
		c := comps[i].(map[string]any)
		fields := []string{"id", "name", "status", "created_at", "updated_at", "position", "description", "showcase", "start_date", "group_id", "page_id", "group", "only_show_if_degraded"}
		for _, f := range fields {
			if _, ok := c[f]; !ok {
				t.Errorf("component %s lacks field %q", w.id, f)
			}
		}
		checks := map[string][2]any{
			"id": {c["id"], w.id}, "name": {c["name"], w.name}, "status": {c["status"], w.status},
			"group": {c["group"], w.group}, "group_id": {c["group_id"], w.groupID},
			"description": {c["description"], w.description}, "position": {c["position"], w.position},
			"updated_at": {c["updated_at"], w.updated}, "page_id": {c["page_id"], "status-example-com"},
			"start_date": {c["start_date"], nil}, "created_at": {c["created_at"], "2026-11-23T12:00:00.000+01:00"},
		}
		for f, gw := range checks {
			if gw[0] != gw[1] {
				t.Errorf("component %s: %s = %#v, want %#v", w.id, f, gw[0], gw[1])
			}
		}
	}
	members := comps[0].(map[string]any)["components"].([]any)
	if len(members) != 2 || members[0] != "api" || members[1] != "web" {
		t.Errorf("group members %v", members)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h, _ := newHandler(t, func() error { return nil })
	rec := get(h, "/api/v2/components.json", "192.0.2.1:1", nil)
	for _, hdr := range []string{"X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy"} {
		if rec.Header().Get(hdr) == "" {
			t.Errorf("missing %s", hdr)
		}
	}
	if csp := rec.Header().Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline: %s", csp)
	}
}

func TestUnknownPathIsJSON404(t *testing.T) {
	h, _ := newHandler(t, func() error { return nil })
	rec := get(h, "/api/v2/nope.json", "192.0.2.1:1", nil)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"error"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// TestTrustedProxies: behind a configured proxy the client is the address
// it forwards, so a stranger relayed by a local proxy does not pass the
// loopback check of /metrics; anyone else's X-Forwarded-For is ignored.
func TestTrustedProxies(t *testing.T) {
	cfg := testConfig(t)
	cfg.Server.MetricsToken = ""
	_, proxy, err := net.ParseCIDR("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.Proxies = []*net.IPNet{proxy}
	h := New(Deps{Config: cfg, Engine: state.New(cfg), Gatherer: prometheus.NewRegistry(), Started: t0})
	cases := []struct {
		name, remote, xff string
		code              int
	}{
		{"the proxy relays a stranger", "127.0.0.1:4000", "192.0.2.7", http.StatusForbidden},
		{"the proxy relays a local client", "127.0.0.1:4000", "127.0.0.1", http.StatusOK},
		{"a stranger forges the header", "192.0.2.7:4000", "127.0.0.1", http.StatusForbidden},
		{"a private address is not trusted unless listed", "10.1.2.3:4000", "127.0.0.1", http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if rec := get(h, "/metrics", c.remote, map[string]string{"X-Forwarded-For": c.xff}); rec.Code != c.code {
				t.Errorf("status %d, want %d", rec.Code, c.code)
			}
		})
	}
}
