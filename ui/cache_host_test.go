package ui

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// hostSite is the fixture's site without site.public_url, and a request
// function that asks for path with a Host header.
func hostSite(t *testing.T, hosts ...string) (*site, func(host, path string) *httptest.ResponseRecorder) {
	t.Helper()
	f := newFixture(t)
	f.cfg.Site.PublicURL = ""
	f.cfg.Site.Hosts = hosts
	seedPublicPages(t, f)
	s, err := newSite(Deps{Config: f.cfg, Engine: f.engine, Store: f.store, Feed: f.feed, Now: func() time.Time { return t0 }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	s.routes(e)
	return s, func(host, path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Host, r.RemoteAddr = host, "192.0.2.1:1"
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s %s: %d", host, path, rec.Code)
		}
		return rec
	}
}

// TestUnknownHostsDoNotGrowTheCache: without site.public_url, a crowd of
// made-up Host headers gets feeds with its own links, uncached: the cache
// neither grows with them nor drops the front page. Known hosts (site.hosts)
// are cached.
func TestUnknownHostsDoNotGrowTheCache(t *testing.T) {
	s, req := hostSite(t, "status.example.com")
	req("status.example.com", "/")
	before := s.cache.used()
	for i := range 200 {
		host := fmt.Sprintf("h%d.example", i)
		paths := []string{"/feed.atom"}
		if i%50 == 0 {
			paths = append(paths, "/feed.rss", "/maintenance.ics")
		}
		for _, path := range paths {
			rec := req(host, path)
			if i%50 == 0 {
				contains(t, path+" for "+host, rec.Body.String(), "http://"+host+"/")
			}
		}
	}
	if s.cache.peek("home"+english.key()) == nil {
		t.Fatal("the front page left the cache")
	}
	if grown := s.cache.used() - before; grown != 0 {
		t.Fatalf("200 unknown hosts grew the cache by %d bytes", grown)
	}
	rec := req("status.example.com", "/feed.atom")
	contains(t, "feed for a known host", rec.Body.String(), "http://status.example.com/")
	if rec.Header().Get("Cache-Control") != pageCacheControl || s.cache.peek(base{URL: "http://status.example.com", FromRequest: true}.key("feed.atom"+english.key())) == nil {
		t.Fatalf("a known host's feed is not cached: %v", rec.Header())
	}
}

// TestCacheBoundedByBytes: keys past the bound evict the least recently
// used one at a time, never the whole cache, and a stream of keys asked
// for once never evicts a page read again (the front page).
func TestCacheBoundedByBytes(t *testing.T) {
	const bound = 64 << 10
	c := newCache(bound)
	var homeBuilds int
	home := func() ([]byte, error) { homeBuilds++; return noise(0, 8<<10), nil }
	for range 2 { // read twice: a page people keep reading
		if _, err := c.get("home", stamp{state: 1}, t0, "text/html", home); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 300 {
		key := fmt.Sprintf("incident:%d", i)
		if _, err := c.get(key, stamp{state: 1}, t0, "text/html", func() ([]byte, error) { return noise(i+1, 1<<10), nil }); err != nil {
			t.Fatal(err)
		}
		if used := c.used(); used > bound {
			t.Fatalf("after %d keys the cache holds %d bytes, over its %d", i+1, used, bound)
		}
	}
	if c.peek("home") == nil || homeBuilds != 1 {
		t.Fatalf("front page evicted by keys asked for once (%d builds)", homeBuilds)
	}
	if c.peek("incident:299") == nil || c.peek("incident:298") == nil {
		t.Fatal("the most recent keys were evicted")
	}
	if c.peek("incident:0") != nil {
		t.Fatal("the least recently used key stayed")
	}
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	if n < 10 {
		t.Fatalf("%d entries left: the cache was cleared, not evicted one at a time", n)
	}
	// A response larger than the bound is served, not kept.
	r, err := c.get("huge", stamp{state: 1}, t0, "text/html", func() ([]byte, error) { return noise(-1, bound), nil })
	if err != nil || len(r.body) != bound || c.peek("huge") != nil || c.peek("home") == nil {
		t.Fatalf("huge response: %v, kept %v, home kept %v", err, c.peek("huge") != nil, c.peek("home") != nil)
	}
}

// noise is n bytes that gzip cannot shrink, different for each seed.
func noise(seed, n int) []byte {
	b := make([]byte, n)
	x := uint64(seed)*0x9E3779B97F4A7C15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// TestUnlistedHostServedFromItsOwnCache: without site.public_url, the
// Statuspage JSON and a feed asked for by a host outside site.hosts (an
// IP address, as a crowd or a monitor may use) are built once for that
// host and then served from memory, never to another host, never with a
// Cache-Control a shared cache could keep, and 2,000 made-up hosts keep
// that cache within its bound and the pages' cache as it was.
func TestUnlistedHostServedFromItsOwnCache(t *testing.T) {
	s, req := hostSite(t)
	req("203.0.113.7", "/")
	for _, c := range []struct{ path, key, want string }{
		{"/api/v2/summary.json", "summary.json", `"url":"http://203.0.113.7"`},
		{"/feed.atom", "feed.atom" + english.key(), "http://203.0.113.7/"},
	} {
		first := req("203.0.113.7", c.path)
		contains(t, c.path, first.Body.String(), c.want)
		if cc := first.Header().Get("Cache-Control"); cc != unknownHostCacheControl {
			t.Errorf("%s: Cache-Control %q, want %q", c.path, cc, unknownHostCacheControl)
		}
		built := s.unlisted.peek(base{URL: "http://203.0.113.7", FromRequest: true}.key(c.key))
		if built == nil {
			t.Fatalf("%s for an unlisted host is not kept", c.path)
		}
		if again := req("203.0.113.7", c.path); again.Body.String() != first.Body.String() || s.unlisted.peek(base{URL: "http://203.0.113.7", FromRequest: true}.key(c.key)) != built {
			t.Errorf("%s: the second request was built again", c.path)
		}
		other := req("198.51.100.9", c.path).Body.String()
		lacks(t, c.path+" for another host", other, "203.0.113.7")
		contains(t, c.path+" for another host", other, "http://198.51.100.9")
	}
	pages := s.cache.used()
	for i := range 2000 {
		req(fmt.Sprintf("h%d.example", i), "/api/v2/summary.json")
	}
	if used := s.unlisted.used(); used > unlistedCacheBytes {
		t.Errorf("unlisted hosts hold %d bytes, bound %d", used, unlistedCacheBytes)
	}
	if s.cache.used() != pages || s.cache.peek("home"+english.key()) == nil {
		t.Errorf("unlisted hosts changed the pages' cache: %d bytes, was %d", s.cache.used(), pages)
	}
}

// TestUnlistedHostFollowsThePlaceholderBuild: while another request
// rebuilds the placeholder build of summary.json, an unlisted host is
// answered from the previous one; once the rebuild is done, the next
// answer is filled from the new build. Filled answers used to be stamped
// with the current version, so the stale one passed for current until
// refreshEvery (a minute): TestServeRunsTheClockAndAutomation saw an
// incident resolved and components.json still in major outage.
func TestUnlistedHostFollowsThePlaceholderBuild(t *testing.T) {
	s, req := hostSite(t)
	const host = "203.0.113.7"
	key := base{URL: "http://" + host, FromRequest: true}.key("summary.json")
	req(host, "/api/v2/summary.json")
	placeholder := s.cache.entries["summary.json|unknown-host"]
	if placeholder == nil {
		t.Fatal("no placeholder build of summary.json")
	}
	old := placeholder.r.Load()

	placeholder.build.Lock() // another request is rebuilding it
	s.d.Feed.Touch()
	req(host, "/api/v2/summary.json")
	placeholder.build.Unlock()
	if filled := s.unlisted.peek(key); filled.version != old.version {
		t.Errorf("filled from the build of version %v, stamped %v", old.version, filled.version)
	}

	req(host, "/api/v2/summary.json")
	if now := placeholder.r.Load(); now == old || now.version != s.version() {
		t.Fatalf("the placeholder was not rebuilt at version %v", s.version())
	}
	if filled := s.unlisted.peek(key); filled.version != s.version() {
		t.Errorf("after the rebuild the unlisted answer is still of version %v, want %v", filled.version, s.version())
	}
}
