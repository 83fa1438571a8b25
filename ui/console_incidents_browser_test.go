package ui

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// headlessChromium starts a headless Chromium tab at a phone's size and
// collects what pages report to the console (errors, CSP violations)
// into the returned consoleMessages. The tab ends with the test.
func headlessChromium(t *testing.T) (context.Context, *consoleMessages) {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
		}
		t.Fatal("chromium is required in CI: ", err)
	}
	alloc, stopAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	)
	t.Cleanup(stopAlloc)
	tab, stopTab := chromedp.NewContext(alloc)
	t.Cleanup(stopTab)
	tab, stopTimeout := context.WithTimeout(tab, 90*time.Second)
	t.Cleanup(stopTimeout)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	seen := &consoleMessages{}
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			seen.mu.Lock()
			seen.msgs = append(seen.msgs, m)
			seen.mu.Unlock()
		}
	}()
	return tab, seen
}

// TestConsoleIncidentUpdateInBrowser signs in at a phone's size, posts an
// incident update through the console's form and sees it on the public
// front page: no console error or CSP violation on the way, nothing that
// scrolls sideways, and every control of the form at least 44 px tall.
func TestConsoleIncidentUpdateInBrowser(t *testing.T) {
	tab, seen := headlessChromium(t)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := &opsServer{t: t, st: st}
	o.addUser("oncall@example.com", store.RoleOperator, "correct horse battery")
	cfg := testConfig(t)
	d := Deps{Config: cfg, Engine: state.New(cfg), Store: st, Started: time.Now()}
	ops := newIncidentOps(d, nil)
	inc, err := ops.openIncident(ctx, store.Actor{Kind: store.ActorCLI, Name: "test"}, incidentChange{
		Name: ptr("Checkout failures"), Body: ptr("Investigating."), Components: map[string]string{"api": "partial_outage"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(d))
	defer srv.Close()

	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	poll := func(what, predicate string) {
		t.Helper()
		var err error
		for range 20 { // a navigation during a poll ends it: poll again
			_, err = chromedp.Run(tab, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
			if err == nil || !strings.Contains(err.Error(), "(-32000)") {
				break
			}
		}
		if err != nil {
			t.Fatalf("%s: %v (page: %s)", what, err, eval(`location.href + " " + document.body.innerText`))
		}
	}
	phoneFit := func(page string) {
		t.Helper()
		if got := eval(`String(document.documentElement.scrollWidth <= 390)`); got != "true" {
			t.Errorf("%s scrolls sideways on a phone: %spx wide", page, eval(`String(document.documentElement.scrollWidth)`))
		}
	}

	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/admin/incidents/"+itoa(inc.ID))); err != nil {
		t.Fatal(err)
	}
	poll("the login form", `location.pathname === "/admin/login" && !!document.querySelector("#email")`)
	if err := chromedp.Do(tab, chromedp.SendKeys("#email", "oncall@example.com"), chromedp.SendKeys("#password", "correct horse battery"),
		chromedp.Click(`form.form button[type="submit"]`)); err != nil {
		t.Fatal(err)
	}
	poll("back on the incident after login", `location.pathname === "/admin/incidents/`+itoa(inc.ID)+`" && !!document.querySelector("#u-body")`)
	fitsPhone := func(page string) {
		t.Helper()
		phoneFit(page)
		small := eval(`Array.from(document.querySelectorAll(
			'.ops input:not([type=hidden]):not([type=checkbox]), .ops select, .ops textarea, .ops button, .ops .button, .ops .check, .ops summary'))
			.filter(e => e.getClientRects().length > 0)
			.filter(e => e.getBoundingClientRect().height < 44 || e.getBoundingClientRect().right > 390)
			.map(e => e.id || e.name || e.textContent.trim()).join(", ")`)
		if small != "" {
			t.Errorf("%s: controls under 44 px tall or off screen on a phone: %s", page, small)
		}
	}
	fitsPhone("the incident page")
	shot(t, tab, "console-incident-phone.png")
	// The other incident and maintenance pages fit a phone too.
	for _, page := range []string{"/admin/incidents/new", "/admin/incidents", "/admin/maintenances/new", "/admin/maintenances"} {
		if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+page)); err != nil {
			t.Fatal(err)
		}
		poll(page, `location.pathname === "`+page+`" && !!document.querySelector(".ops h1")`)
		fitsPhone(page)
	}
	shot(t, tab, "console-maintenance-new-phone.png")
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/admin/incidents/"+itoa(inc.ID))); err != nil {
		t.Fatal(err)
	}
	poll("back on the incident", `!!document.querySelector("#u-body")`)

	if err := chromedp.Do(tab,
		chromedp.SetValue("#u-status", "identified"),
		chromedp.SendKeys("#u-body", "Payment provider **timeouts**; retrying."),
		chromedp.SetValue("#u-comp-api", "major_outage"),
		chromedp.Click(`form[action$="/updates"] button[type="submit"]`),
	); err != nil {
		t.Fatal(err)
	}
	poll("the update posted", `document.querySelector(".flash") !== null && document.querySelector(".flash").textContent === "Update posted."`)
	if got := eval(`document.querySelector(".timeline li .body").innerHTML`); !strings.Contains(got, "<strong>timeouts</strong>") {
		t.Errorf("latest timeline entry %q", got)
	}
	if st, _ := st.Incident(ctx, inc.ID); st.Status != "identified" || st.Components["api"] != "major_outage" {
		t.Errorf("stored %s %v", st.Status, st.Components)
	}

	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	poll("the front page shows the update", `document.body.innerText.includes("Payment provider timeouts; retrying.")`)
	if got := eval(`String(document.body.innerText.indexOf("Payment provider") < document.body.innerText.indexOf("Investigating."))`); got != "true" {
		t.Errorf("the front page does not show the latest update first")
	}
	phoneFit("the front page")
	for _, m := range seen.take() {
		// The browser asks for /favicon.ico by itself; the site has none
		// (a 404 it logs), which is not an error of these pages.
		if strings.HasSuffix(m.URL, "/favicon.ico") {
			continue
		}
		t.Errorf("the browser reported %s (%s)", m, m.URL)
	}
}

// shot leaves a screenshot for people to look at (not committed).
func shot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := "../testdata/screenshots"
	if os.MkdirAll(dir, 0o755) == nil {
		_ = os.WriteFile(filepath.Join(dir, name), png, 0o644)
	}
}
