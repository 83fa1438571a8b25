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
	crowd := func(version uint64, body string) []string {
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
	for _, b := range crowd(1, "v1") {
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
		r, _ := c.get("home", 2, t0, "text/html", build("v2"))
		done <- string(r.body)
	}()
	for builds.Load() != 2 {
		runtime.Gosched()
	}
	if r, _ := c.get("home", 2, t0, "text/html", build("never")); string(r.body) != "v1" {
		t.Fatalf("during a rebuild got %q, want the previous build", r.body)
	}
	close(release)
	if b := <-done; b != "v2" {
		t.Fatalf("rebuild returned %q", b)
	}
	if r, _ := c.get("home", 2, t0.Add(30*time.Second), "text/html", build("never")); string(r.body) != "v2" {
		t.Fatalf("after the rebuild got %q", r.body)
	}
	// A minute later the same version is rebuilt (relative times).
	release = make(chan struct{})
	close(release)
	if r, _ := c.get("home", 2, t0.Add(refreshEvery), "text/html", build("v2b")); string(r.body) != "v2b" {
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
	if _, err := c.get("home", 1, t0, "text/html", home); err != nil {
		t.Fatal(err)
	}
	missing := errors.New("no such incident")
	for i := range 10000 {
		if _, err := c.get(fmt.Sprintf("incident:%d", i), 1, t0, "text/html", func() ([]byte, error) { return nil, missing }); !errors.Is(err, missing) {
			t.Fatalf("build error lost: %v", err)
		}
	}
	if _, err := c.get("home", 1, t0, "text/html", home); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	if homeBuilds != 1 || n != 1 {
		t.Errorf("home built %d times, %d entries kept; want 1 and 1", homeBuilds, n)
	}
}
