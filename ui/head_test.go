package ui

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/remote"
)

// headParams fills a route's parameters with values that exist in the
// fixture where one can.
var headParams = map[string]string{
	":slug": "api", ":id": "1", ":file": "api.svg", ":month": "2026-11", ":token": "no-such-token", ":signal": "start",
	":name": "api-health",
}

// TestHeadOnEveryGetRoute walks every registered GET route: HEAD answers
// what GET answers (status, type, length), with no body and never 405.
func TestHeadOnEveryGetRoute(t *testing.T) {
	f := newFixture(t)
	f.cfg.Subscriptions = subscriptionsOn()
	r, err := remote.New(remote.Options{Config: f.cfg, Store: f.store, Writer: f.writer, Ingest: f.in, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	h := New(Deps{
		Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Agents: r, Gatherer: prometheus.NewRegistry(),
		Health: func() error { return nil }, Now: func() time.Time { return t0 }, Started: t0.Add(-96 * time.Hour),
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}

	var paths []string
	for _, rt := range h.(*echo.Echo).Routes() {
		if rt.Method != http.MethodGet {
			continue
		}
		p := rt.Path
		if p == "/static/:name" {
			continue // below, under a real name
		}
		for k, v := range headParams {
			p = strings.ReplaceAll(p, k, v)
		}
		if strings.Contains(p, ":") || strings.Contains(p, "*") {
			t.Fatalf("route %s: no test value for its parameter", rt.Path)
		}
		paths = append(paths, p)
	}
	// The stylesheet under its content-hashed name.
	paths = append(paths, newSiteOrFail(t).assets.url("style.css"))
	if len(paths) < 30 {
		t.Fatalf("only %d GET routes: %v", len(paths), paths)
	}
	for _, p := range paths {
		get := send(t, client, http.MethodGet, srv.URL+p)
		head := send(t, client, http.MethodHead, srv.URL+p)
		if head.status == http.StatusMethodNotAllowed || head.status != get.status {
			t.Errorf("HEAD %s: %d, GET answers %d", p, head.status, get.status)
			continue
		}
		if head.body != 0 {
			t.Errorf("HEAD %s: a body of %d bytes", p, head.body)
		}
		if head.contentType != get.contentType {
			t.Errorf("HEAD %s: Content-Type %q, GET %q", p, head.contentType, get.contentType)
		}
		if head.length >= 0 && get.length >= 0 && head.length != get.length {
			t.Errorf("HEAD %s: Content-Length %d, GET's body is %d bytes", p, head.length, get.length)
		}
	}
}

type answer struct {
	status      int
	contentType string
	length      int64 // the declared Content-Length, -1 when none
	body        int
}

// send makes one request; a stream's body (/events) is not read.
func send(t *testing.T, c *http.Client, method, url string) answer {
	t.Helper()
	res, err := c.Do(must(http.NewRequest(method, url, nil)))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), length: -1}
	if v := res.Header.Get("Content-Length"); v != "" {
		a.length, _ = strconv.ParseInt(v, 10, 64)
	}
	if a.contentType != "text/event-stream" {
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		a.body = len(b)
		if method == http.MethodGet && a.length < 0 {
			a.length = int64(len(b))
		}
	}
	return a
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func newSiteOrFail(t *testing.T) *site {
	t.Helper()
	s, err := newSite(Deps{Config: siteConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStatuspageExporterProbe follows sergeyshevch/statuspage-exporter:
// it takes a page for a Statuspage one when HEAD
// /api/v2/components.json answers 200, then reads it with a GET.
func TestStatuspageExporterProbe(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	res, err := http.Head(srv.URL + "/api/v2/components.json")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("HEAD components.json: %d, want 200", res.StatusCode)
	}
	res, err = http.Get(srv.URL + "/api/v2/components.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body componentsBody
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body.Components) != 4 || body.Page.ID == "" {
		t.Errorf("components.json: %+v", body)
	}
}
