package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// linksOf reads page.url and every shortlink of a Statuspage response.
func linksOf(t *testing.T, body string) (pageURL string, shortlinks []string) {
	t.Helper()
	var v struct {
		Page struct {
			URL string `json:"url"`
		} `json:"page"`
		Incidents []struct {
			Shortlink string `json:"shortlink"`
		} `json:"incidents"`
		Maintenances []struct {
			Shortlink string `json:"shortlink"`
		} `json:"scheduled_maintenances"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	for _, i := range v.Incidents {
		shortlinks = append(shortlinks, i.Shortlink)
	}
	for _, m := range v.Maintenances {
		shortlinks = append(shortlinks, m.Shortlink)
	}
	return v.Page.URL, shortlinks
}

// TestJSONLinksAbsolute: page.url and the shortlinks of the Statuspage
// JSON are absolute, following the host rule: public_url whatever Host
// the request names; without it the request's host, cached only for a
// host in site.hosts, and for any other host built for that request
// alone, kept neither by our cache nor by a shared one.
func TestJSONLinksAbsolute(t *testing.T) {
	paths := []string{"/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json", "/api/v2/incidents.json",
		"/api/v2/incidents/unresolved.json", "/api/v2/scheduled-maintenances.json", "/api/v2/scheduled-maintenances/upcoming.json"}
	check := func(t *testing.T, rec *httptest.ResponseRecorder, path, want, cacheControl string) {
		t.Helper()
		page, links := linksOf(t, rec.Body.String())
		if page != want {
			t.Errorf("%s: page.url %q, want %q", path, page, want)
		}
		for _, l := range links {
			if !strings.HasPrefix(l, want+"/incidents/") && !strings.HasPrefix(l, want+"/maintenance/") {
				t.Errorf("%s: shortlink %q not under %s", path, l, want)
			}
		}
		if path == "/api/v2/summary.json" && len(links) < 2 {
			t.Errorf("%s: %d shortlinks, want the open incident and the window", path, len(links))
		}
		if got := rec.Header().Get("Cache-Control"); got != cacheControl {
			t.Errorf("%s: Cache-Control %q, want %q", path, got, cacheControl)
		}
	}

	t.Run("public_url", func(t *testing.T) {
		f := newFixture(t)
		seedPublicPages(t, f)
		for _, path := range paths {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.Host = "evil.example"
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, r)
			check(t, rec, path, "https://status.example.com", pageCacheControl)
			lacks(t, path, rec.Body.String(), "evil.example")
		}
	})

	t.Run("hosts", func(t *testing.T) {
		s, req := hostSite(t, "status.example.com")
		for _, path := range paths {
			check(t, req("status.example.com:8080", path), path, "http://status.example.com:8080", pageCacheControl)
		}
		// The first unknown host caches one build per response, with a
		// placeholder for the address; no later host adds anything.
		for _, path := range paths {
			check(t, req("stranger.example", path), path, "http://stranger.example", unknownHostCacheControl)
		}
		before := s.cache.used()
		for i := range 50 {
			host := fmt.Sprintf("stranger%d.example:%d", i, 1000+i)
			for _, path := range paths {
				rec := req(host, path)
				check(t, rec, path, "http://"+host, unknownHostCacheControl)
				lacks(t, path, rec.Body.String(), "stranger.example", "ampel.invalid")
			}
		}
		for _, path := range paths {
			rec := req(`x"><b>`, path)
			check(t, rec, path, "http://localhost", unknownHostCacheControl)
		}
		if grown := s.cache.used() - before; grown != 0 {
			t.Fatalf("50 more unknown hosts grew the cache by %d bytes", grown)
		}
		for _, path := range paths {
			rec := req("status.example.com:8080", path)
			check(t, rec, path, "http://status.example.com:8080", pageCacheControl)
			lacks(t, path, rec.Body.String(), "stranger.example", "localhost")
		}
	})
}
