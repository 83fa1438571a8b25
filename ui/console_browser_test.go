package ui

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// TestConsoleInBrowser signs in through the form in headless Chromium at
// a phone's size, over plain http on 127.0.0.1 (a secure context, so the
// Secure __Host- cookies work), sees the dashboard, signs out, and checks
// that no console error and no CSP violation was reported.
func TestConsoleInBrowser(t *testing.T) {
	browser := startChromium(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	seen := watchConsole(browser)
	eval := func(expr string) string { t.Helper(); return evalString(t, browser, expr) }
	poll := func(what, predicate string) { t.Helper(); pollPage(t, browser, what, predicate, 15*time.Second) }
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f := &consoleFixture{t: t, st: st}
	now := time.Now()
	f.now.Store(&now)
	f.addUser("first@example.com", store.RoleAdmin, testPassword)
	cfg := testConfig(t)
	srv := httptest.NewServer(New(Deps{Config: cfg, Engine: state.New(cfg), Store: st, Started: now}))
	defer srv.Close()

	if err := chromedp.Do(browser, chromedp.Navigate(srv.URL+"/admin")); err != nil {
		t.Fatal(err)
	}
	poll("redirected to the login form", `location.pathname === "/admin/login" && !!document.querySelector("#email")`)
	if err := chromedp.Do(browser,
		chromedp.SendKeys("#email", "first@example.com"),
		chromedp.SendKeys("#password", testPassword),
		chromedp.Click(`form.form button[type="submit"]`),
	); err != nil {
		t.Fatal(err)
	}
	poll("the dashboard after login", `location.pathname === "/admin" && document.querySelector("h1").textContent === "Dashboard"`)
	if got := eval(`document.querySelector(".foot").textContent`); !strings.Contains(got, "Signed in as first@example.com") {
		t.Fatalf("footer %q", got)
	}
	// The stylesheet applied (the CSP allowed it), and nothing scrolls
	// sideways on the phone.
	if got := eval(`getComputedStyle(document.querySelector(".nav")).display`); got != "flex" {
		t.Errorf("console.css not applied: nav display %q", got)
	}
	if got := eval(`String(document.documentElement.scrollWidth <= 390)`); got != "true" {
		t.Errorf("the dashboard scrolls sideways on a phone: %s", eval(`String(document.documentElement.scrollWidth)`))
	}
	if got := eval(`String(Array.from(document.querySelectorAll(".nav a")).every(a => a.getBoundingClientRect().right <= 390 && a.getBoundingClientRect().height > 0))`); got != "true" {
		t.Error("a nav link is off screen or hidden on a phone")
	}
	shot(t, browser, "console-phone.png")
	for _, page := range []string{"/admin/users", "/admin/tokens", "/admin/audit", "/admin/account"} {
		if err := chromedp.Do(browser, chromedp.Navigate(srv.URL+page)); err != nil {
			t.Fatal(err)
		}
		poll(page+" loaded", `location.pathname === "`+page+`" && document.querySelector("h1") !== null`)
		if got := eval(`String(document.documentElement.scrollWidth <= 390)`); got != "true" {
			t.Errorf("%s scrolls sideways on a phone", page)
		}
	}
	// Chromium kept the Secure __Host- session cookie over plain http on
	// 127.0.0.1 (a secure context), with its attributes.
	jar, err := chromedp.Call(browser, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL + "/admin"}})
	if err != nil {
		t.Fatal(err)
	}
	var session *network.Cookie
	for _, c := range jar.Cookies {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.Secure || !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax || session.Path != "/" {
		t.Fatalf("session cookie in the browser: %+v", session)
	}
	// The session lives in the HttpOnly cookie, out of the page's reach.
	if got := eval(`document.cookie`); strings.Contains(got, "ampel_session") {
		t.Errorf("the page can read the session cookie: %q", got)
	}
	if err := chromedp.Do(browser, chromedp.Click(`.logout button`)); err != nil {
		t.Fatal(err)
	}
	poll("signed out", `location.pathname === "/admin/login" && document.querySelector(".flash") !== null`)
	if msgs := seen.take(); len(msgs) > 0 {
		for _, m := range msgs {
			t.Errorf("the console reported %s (%s)", m, m.URL)
		}
	}

	// The control: an inline script is refused by the CSP, and the
	// refusal is seen, so the check above could fail.
	eval(`(() => { const s = document.createElement("script"); s.textContent = "window.ran = 1"; document.body.append(s); return "" })()`)
	deadline := time.Now().Add(10 * time.Second)
	var control []chromedp.ConsoleMessage
	for time.Now().Before(deadline) && len(control) == 0 {
		control = append(control, seen.take()...)
		if len(control) == 0 {
			if _, err := chromedp.Run(browser, chromedp.Evaluate[bool](`true`)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(control) == 0 || !strings.Contains(control[0].Text, "Content Security Policy") || eval(`String(window.ran)`) != "undefined" {
		t.Fatalf("an inline script was not reported as a CSP violation: %v", control)
	}
}
