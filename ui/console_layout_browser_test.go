package ui

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// TestConsoleDesktopLayout signs an admin in at 1,280 px: the header's
// navigation fits on one line inside the header, and a Markdown list in
// an incident's timeline reads as one list (bullets, no box per item).
func TestConsoleDesktopLayout(t *testing.T) {
	tab := startChromium(t, chromedp.EmulateViewport(1280, 900))
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := &opsServer{t: t, st: st}
	o.addUser("admin@example.com", store.RoleAdmin, "correct horse battery")
	cfg := testConfig(t)
	cfg.Site.Title = "Ampel Demo Status" // the demo's
	d := Deps{Config: cfg, Engine: state.New(cfg), Store: st, Started: time.Now()}
	inc, err := newIncidentOps(d, nil).openIncident(ctx, store.Actor{Kind: store.ActorCLI, Name: "test"}, incidentChange{
		Name: ptr("Checkout failures"), Body: ptr("Affected:\n\n- card payments\n- refunds\n- invoices"), Components: map[string]string{"api": "partial_outage"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(d))
	defer srv.Close()
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/admin/incidents/"+itoa(inc.ID))); err != nil {
		t.Fatal(err)
	}
	pollPage(t, tab, "the login form", `!!document.querySelector("#email")`, 20*time.Second)
	if err := chromedp.Do(tab, chromedp.SendKeys("#email", "admin@example.com"), chromedp.SendKeys("#password", "correct horse battery"),
		chromedp.Click(`form.form button[type="submit"]`)); err != nil {
		t.Fatal(err)
	}
	pollPage(t, tab, "the incident", `!!document.querySelector(".timeline")`, 20*time.Second)
	shot(t, tab, "console-incident-1280.png")

	nav := evalString(t, tab, `(function () {
		var header = document.querySelector("header.top").getBoundingClientRect();
		var items = Array.from(document.querySelectorAll(".nav > a, .nav > form"));
		var first = items[0].getBoundingClientRect();
		var wrapped = items.filter(function (e) { return e.getBoundingClientRect().top >= first.bottom; });
		var out = items.filter(function (e) { var r = e.getBoundingClientRect(); return r.right > header.right + 0.5 || r.left < header.left - 0.5; });
		var brand = document.querySelector(".brand").getClientRects().length;
		return (wrapped.length || brand > 1 ? 2 : 1) + " line(s), " + out.length + " outside, " + items.length + " items";
	})()`)
	// System fonts differ in width by platform (this one's DejaVu is not
	// macOS's or Windows's): keep 6rem to spare, not a few pixels.
	spare := evalString(t, tab, `String(Math.round(document.querySelector(".nav > a").getBoundingClientRect().left - document.querySelector(".brand").getBoundingClientRect().right))`)
	if n, _ := strconv.Atoi(spare); n < 96 {
		t.Errorf("console header at 1,280 px: %s px between the brand and the nav, want at least 96", spare)
	}
	if nav != "1 line(s), 0 outside, 9 items" {
		t.Errorf("console nav at 1,280 px: %s, want one line of 9 items inside the header", nav)
	}
	list := evalString(t, tab, `(function () {
		var items = Array.from(document.querySelectorAll(".timeline .body li"));
		return items.length + " " + items.map(function (li) { var s = getComputedStyle(li); return s.display + "/" + s.borderTopWidth; }).join(" ");
	})()`)
	if list != "3 list-item/0px list-item/0px list-item/0px" {
		t.Errorf("the timeline's Markdown list: %s, want 3 bulleted items without borders", list)
	}
}
