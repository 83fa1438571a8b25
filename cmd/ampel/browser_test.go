package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshots is where the browser test leaves its pictures of the page
// (not committed; see .gitignore).
const screenshots = "../../testdata/screenshots"

// writeSiteConfig writes a config with a group of two components and a
// lone one; "api" probes target, the others probe ok.
func writeSiteConfig(t *testing.T, dir, target, ok string) string {
	t.Helper()
	check := func(name, url string) string {
		return fmt.Sprintf(`
  [[components.checks]]
  name = %q
  kind = "http"
  target = %q
  interval = "1s"
  timeout = "1s"
  failures_to_down = 1
`, name, url)
	}
	cfg := `
[site]
title = "Example Status"
timezone = "Europe/Berlin"

  [[site.footer_links]]
  name = "Support"
  url = "https://example.com/support"

[server]
listen = "127.0.0.1:0"
shutdown_timeout = "5s"

[storage]
path = "ampel.db"

[[components]]
slug = "api"
name = "API"
group = "Core"
description = "Public REST API"
` + check("api-health", target) + `
[[components]]
slug = "web"
name = "Dashboard"
group = "Core"
` + check("web-home", ok) + `
[[components]]
slug = "docs"
name = "Documentation"
` + check("docs-home", ok)
	path := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowser loads the real server's front page in headless Chromium,
// sees the components and bars render, makes a target fail and sees the
// row and banner change over Server-Sent Events without a reload, and
// leaves screenshots at desktop and phone widths.
func TestBrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is required (apt-get install chromium): ", err)
	}
	target, failing := flipTarget(t)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer ok.Close()
	dir := t.TempDir()
	cfgPath := writeSiteConfig(t, dir, target.URL, ok.URL)

	base, stop := serveInProcess(t, cfgPath)
	for _, slug := range []string{"api", "web", "docs"} {
		eventually(t, 10*time.Second, slug+" observed up", func() bool { return observedUp(t, base, slug) })
	}

	alloc, stopAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	defer stopAlloc()
	browser, stopBrowser := chromedp.NewContext(alloc)
	defer stopBrowser()

	poll := func(what, predicate string) {
		t.Helper()
		if _, err := chromedp.Run(browser, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(browser, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(screenshots, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(screenshots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	if err := chromedp.Do(browser, chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	// The script ran (no CSP violation) and the stream is open.
	poll("live updates connected", `document.documentElement.classList.contains("js-live")`)
	if got := eval(`document.querySelector("#banner h1").textContent`); got != "All Systems Operational" {
		t.Fatalf("banner %q", got)
	}
	// Each bar draws its runs of days as dashed lines (ui/bar.go): a run
	// "M{x} 17h{w}" holds (w+2)/5 days.
	if got := eval(`Array.from(document.querySelectorAll("[data-component] svg.bar")).map(function (svg) {
		var n = 0;
		svg.querySelectorAll("path").forEach(function (p) { var re = /M(\d+) 17h(\d+)/g, m; while ((m = re.exec(p.getAttribute("d")))) { n += (+m[2] + 2) / 5; } });
		return n;
	}).join(" ")`); got != "90 90 90" {
		t.Fatalf("bars of %s days, want 3 × 90", got)
	}
	if got := eval(`document.querySelector('[data-component="api"] .state').textContent`); got != "Operational" {
		t.Fatalf("api row %q", got)
	}
	// Visible: the cells have a size, and today's is coloured.
	if got := eval(`String(document.querySelector('[data-component="docs"] .bar').getBoundingClientRect().width > 300)`); got != "true" {
		t.Fatalf("the docs bar is not drawn wide: %s", got)
	}
	shot("home-desktop.png")

	// A marker on the window survives only if the page is not reloaded.
	eval(`window.ampelMarker = "same page"; ""`)
	failing.Store(true)
	poll("api row shows the outage", `document.querySelector('[data-component="api"] .state').textContent === "Major Outage"`)
	poll("banner shows one component of three down as a partial outage", `document.querySelector("#banner h1").textContent === "Partial System Outage"`)
	if got := eval(`window.ampelMarker || "reloaded"`); got != "same page" {
		t.Fatalf("the page reloaded instead of updating in place")
	}
	if got := eval(`document.getElementById("group-core").className`); got != "group s-down" {
		t.Errorf("group class %q", got)
	}
	shot("home-desktop-outage.png")

	if err := chromedp.Do(browser, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	poll("phone page loaded", `document.documentElement.classList.contains("js-live")`)
	if got := eval(`String(document.documentElement.scrollWidth <= 390)`); got != "true" {
		t.Errorf("the page scrolls sideways on a phone")
	}
	shot("home-phone.png")

	if err := chromedp.Do(browser, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/components/api")); err != nil {
		t.Fatal(err)
	}
	poll("component page loaded", `document.documentElement.classList.contains("js-live")`)
	if got := eval(`document.querySelector(".zones tbody td").textContent`); got != "local" {
		t.Errorf("zone cell %q", got)
	}
	shot("component-desktop.png")

	stop()
}
