package ui

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// TestConsoleIncidentUpdateInBrowser signs in at a phone's size, posts an
// incident update through the console's form and sees it on the public
// front page: no console error or CSP violation on the way, nothing that
// scrolls sideways, and every control of the form at least 44 px tall.
func TestConsoleIncidentUpdateInBrowser(t *testing.T) {
	tab := startChromium(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	seen := watchConsole(tab)
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

	eval := func(expr string) string { t.Helper(); return evalString(t, tab, expr) }
	poll := func(what, predicate string) { t.Helper(); pollPage(t, tab, what, predicate, 20*time.Second) }
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
