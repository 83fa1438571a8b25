package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCacheBuildsOncePerVersion: a crowd arriving at once causes one
// render per state version; while a new version renders, the crowd gets
// the previous one instead of waiting.
func TestCacheBuildsOncePerVersion(t *testing.T) {
	c := newCache(pagesCacheBytes)
	var builds atomic.Int32
	release := make(chan struct{})
	build := func(body string) func() ([]byte, error) {
		return func() ([]byte, error) {
			builds.Add(1)
			<-release
			return []byte(body), nil
		}
	}
	crowd := func(version stamp, body string) []string {
		var wg sync.WaitGroup
		got := make([]string, 50)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := c.get("home", version, t0, "text/html", build(body))
				if err != nil {
					t.Error(err)
					return
				}
				got[i] = string(r.body)
			}()
		}
		return func() []string { close(release); wg.Wait(); return got }()
	}
	for _, b := range crowd(stamp{state: 1}, "v1") {
		if b != "v1" {
			t.Fatalf("first crowd got %q", b)
		}
	}
	if n := builds.Load(); n != 1 {
		t.Fatalf("%d builds for one version", n)
	}

	// Version 2: one request rebuilds (held until released); the others
	// are served v1 meanwhile.
	release = make(chan struct{})
	done := make(chan string)
	go func() {
		r, _ := c.get("home", stamp{state: 2}, t0, "text/html", build("v2"))
		done <- string(r.body)
	}()
	for builds.Load() != 2 {
		runtime.Gosched()
	}
	if r, _ := c.get("home", stamp{state: 2}, t0, "text/html", build("never")); string(r.body) != "v1" {
		t.Fatalf("during a rebuild got %q, want the previous build", r.body)
	}
	close(release)
	if b := <-done; b != "v2" {
		t.Fatalf("rebuild returned %q", b)
	}
	if r, _ := c.get("home", stamp{state: 2}, t0.Add(30*time.Second), "text/html", build("never")); string(r.body) != "v2" {
		t.Fatalf("after the rebuild got %q", r.body)
	}
	// A minute later the same version is rebuilt (relative times).
	release = make(chan struct{})
	close(release)
	if r, _ := c.get("home", stamp{state: 2}, t0.Add(refreshEvery), "text/html", build("v2b")); string(r.body) != "v2b" {
		t.Fatalf("after a minute got %q", r.body)
	}
}

func TestHead(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/api/v2/summary.json", "/badge/api.svg"} {
		req := httptest.NewRequest(http.MethodHead, path, nil)
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("ETag") == "" || rec.Header().Get("Content-Type") == "" {
			t.Errorf("HEAD %s: %d, %d bytes, %v", path, rec.Code, rec.Body.Len(), rec.Header())
		}
	}
}

// TestCacheForgetsFailedKeys: keys whose build fails (unknown ids) take no
// slot, so asking for many of them never pushes the real pages out.
func TestCacheForgetsFailedKeys(t *testing.T) {
	c := newCache(pagesCacheBytes)
	var homeBuilds int
	home := func() ([]byte, error) { homeBuilds++; return []byte("home"), nil }
	if _, err := c.get("home", stamp{state: 1}, t0, "text/html", home); err != nil {
		t.Fatal(err)
	}
	missing := errors.New("no such incident")
	for i := range 10000 {
		if _, err := c.get(fmt.Sprintf("incident:%d", i), stamp{state: 1}, t0, "text/html", func() ([]byte, error) { return nil, missing }); !errors.Is(err, missing) {
			t.Fatalf("build error lost: %v", err)
		}
	}
	if _, err := c.get("home", stamp{state: 1}, t0, "text/html", home); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	if homeBuilds != 1 || n != 1 {
		t.Errorf("home built %d times, %d entries kept; want 1 and 1", homeBuilds, n)
	}
}

// TestCacheSettlesBuilds: while the state keeps changing, on a site of
// settleComponents or more, a response is built again for a newer state
// only once settleTimes its last build's cost has passed (the previous
// build answers meanwhile), so its rebuilds take at most a tenth of a
// core; an operator's edit shows at once, and a smaller site's pages
// never settle.
func TestCacheSettlesBuilds(t *testing.T) {
	c := newCache(pagesCacheBytes)
	c.settles = true
	get := func(key string, v stamp, body string) string {
		t.Helper()
		r, err := c.get(key, v, t0, "text/html", func() ([]byte, error) { return []byte(body), nil })
		if err != nil {
			t.Fatal(err)
		}
		return string(r.body)
	}
	built := func(key string, cost time.Duration, ago time.Duration) {
		r := c.peek(key)
		r.cost, r.done = cost, time.Now().Add(-ago)
	}
	const cost = 200 * time.Millisecond

	get("home", stamp{state: 1}, "v1")
	built("home", cost, 0)
	if got := get("home", stamp{state: 2}, "v2"); got != "v1" {
		t.Errorf("a new state right after a build: %q, want the previous build", got)
	}
	built("home", cost, settleTimes*cost)
	if got := get("home", stamp{state: 3}, "v3"); got != "v3" {
		t.Errorf("a new state %d times its cost after a build: %q, want it built", settleTimes, got)
	}
	built("home", time.Hour, maxSettle)
	if got := get("home", stamp{state: 4}, "v4"); got != "v4" {
		t.Errorf("a new state %s after the slowest build: %q, want it built", maxSettle, got)
	}
	built("home", cost, 0)
	if got := get("home", stamp{state: 5, edits: 1}, "edited"); got != "edited" {
		t.Errorf("an operator's edit right after a build: %q, want it shown at once", got)
	}

	c.settles = false // a smaller site
	get("small", stamp{state: 1}, "s1")
	built("small", cost, 0)
	if got := get("small", stamp{state: 2}, "s2"); got != "s2" {
		t.Errorf("a smaller site's new state right after a build: %q, want it built", got)
	}
}

// TestLargeSitesSettle: a site's caches settle costly builds from
// settleComponents components on, not below.
func TestLargeSitesSettle(t *testing.T) {
	for _, n := range []int{3, settleComponents - 1, settleComponents} {
		cfg := siteConfig(t)
		for len(cfg.Components) < n {
			cfg.Components = append(cfg.Components, cfg.Components[0])
		}
		cfg.Components = cfg.Components[:n]
		s, err := newSite(Deps{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		want := n >= settleComponents
		if s.cache.settles != want || s.reports.settles != want || s.unlisted.settles != want {
			t.Errorf("%d components: caches settle %t, %t, %t, want %t", n, s.cache.settles, s.reports.settles, s.unlisted.settles, want)
		}
	}
}
