package ui

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestBarWithJavaScript: with app.js, a bar names the day under the
// pointer in a tooltip, a click opens that day's entry in the component's
// daily record, and a live state change colours today's cell.
func TestBarWithJavaScript(t *testing.T) {
	tab := startChromium(t, chromedp.EmulateViewport(1280, 900))
	seen := watchConsole(tab)
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	pollPage(t, tab, "the live page", `document.documentElement.classList.contains("js-live")`, 15*time.Second)

	// The middle of Nov 21's cell: cells are 5 units apart, 3 wide.
	raw := evalString(t, tab, `(function () {
		var svg = document.querySelector('[data-component="api"] svg.bar'), r = svg.getBoundingClientRect();
		return JSON.stringify({x: r.left + (435 + 1.5) / svg.viewBox.baseVal.width * r.width, y: r.top + r.height / 2});
	})()`)
	var at struct{ X, Y float64 }
	if err := json.Unmarshal([]byte(raw), &at); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: at.X, Y: at.Y}); err != nil {
		t.Fatal(err)
	}
	pollPage(t, tab, "the tooltip for Nov 21", `(function () { var t = document.querySelector(".bar-tip"); return !!t && !t.hidden && t.textContent === "Nov 21, 2026: outage 1–10% of the day"; })()`, 5*time.Second)

	// A live change colours today's cell before the next rollup.
	f.in.Handle(result("api-health", "eu", t0.Add(time.Second), time.Millisecond, status.Down))
	f.in.Handle(result("api-health", "us", t0.Add(time.Second), time.Millisecond, status.Down))
	pollPage(t, tab, "today's cell coloured by the outage", `(function () { var c = document.querySelector('[data-component="api"] .bar .today').classList; return c.contains("now-down") || c.contains("now-partial"); })()`, 15*time.Second)

	if err := chromedp.Do(tab, chromedp.MouseClickXY(at.X, at.Y)); err != nil {
		t.Fatal(err)
	}
	pollPage(t, tab, "the day's entry", `location.pathname === "/components/api" && location.hash === "#day-2026-11-21" && document.querySelector(":target").textContent.trim() === "Nov 21, 2026: 97.91% uptime, major outage 30 min"`, 15*time.Second)
	for _, m := range seen.take() {
		t.Errorf("console: %s %s", m.Type, m.Text)
	}
}
