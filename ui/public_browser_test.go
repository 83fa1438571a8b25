package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ampelstatus/ampel/store"
)

// markers are payloads that, if they ever ran, would set window.__xss
// rather than open a dialog; the corpus's own call alert.
var markers = []string{
	`<script>window.__xss=1</script>`,
	`<img src=x onerror="window.__xss=1">`,
	`[click](javascript:window.__xss=1)`,
	`<svg onload="window.__xss=1"></svg>`,
	`<style>@import "x"</style><b style="x:expression(window.__xss=1)">s</b>`,
	"<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
}

// watch is what a tab saw: dialogs opened and CSP violations logged.
type watch struct {
	mu      sync.Mutex
	dialogs []string
	csp     []string
}

func (w *watch) seen() (dialogs, csp []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.dialogs...), append([]string(nil), w.csp...)
}

// newTab starts headless Chromium with a tab that records dialogs (and
// dismisses them, so a page that alerts cannot hang the test) and CSP
// violations, both from the log domain and from the page's own
// securitypolicyviolation events.
func newTab(t *testing.T) (context.Context, *watch) {
	t.Helper()
	tab := startChromium(t)
	w := &watch{}
	dialogs := make(chan struct{}, 64)
	if err := chromedp.Listen(tab, func(ev any) {
		switch e := ev.(type) {
		case *cdppage.EventJavascriptDialogOpening:
			w.mu.Lock()
			w.dialogs = append(w.dialogs, e.Message)
			w.mu.Unlock()
			select {
			case dialogs <- struct{}{}:
			default:
			}
		case *cdplog.EventEntryAdded:
			if strings.Contains(e.Entry.Text, "Content Security Policy") {
				w.mu.Lock()
				w.csp = append(w.csp, e.Entry.Text)
				w.mu.Unlock()
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range dialogs {
			_, _ = chromedp.Call(tab, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	t.Cleanup(func() { close(dialogs) })
	if _, err := chromedp.Call(tab, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	// Scripts added through the protocol run whatever the page's CSP.
	if _, err := chromedp.Call(tab, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener("securitypolicyviolation", function (e) { window.__csp.push(e.violatedDirective + " " + e.blockedURI); });`,
	}); err != nil {
		t.Fatal(err)
	}
	return tab, w
}

// visit loads url and reports whether window.__xss got set and which
// violations the page itself saw.
func visit(t *testing.T, tab context.Context, url string) (xss bool, csp []string) {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	raw, err := chromedp.Run(tab, chromedp.Evaluate[string](`JSON.stringify({xss: typeof window.__xss !== "undefined", csp: window.__csp || []})`))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	var v struct {
		XSS bool     `json:"xss"`
		CSP []string `json:"csp"`
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatal(err)
	}
	return v.XSS, v.CSP
}

// TestBrowserXSS loads the front page, every incident page, the history
// and the maintenance pages, all filled with the corpus, in headless
// Chromium: no script of theirs runs (no dialog, no marker set) and no
// CSP violation is reported. A control page first proves both detectors
// see what they look for.
func TestBrowserXSS(t *testing.T) {
	tab, w := newTab(t)
	control := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/csp" {
			rw.Header().Set("Content-Security-Policy", csp)
		}
		_, _ = fmt.Fprint(rw, `<!doctype html><title>c</title><script>window.__xss = 1; alert("control")</script>`)
	}))
	defer control.Close()
	if xss, _ := visit(t, tab, control.URL+"/open"); !xss {
		t.Fatal("control: the marker is not seen")
	}
	if xss, csp := visit(t, tab, control.URL+"/csp"); xss || len(csp) == 0 {
		t.Fatalf("control: CSP blocked nothing or was not reported: %v %v", xss, csp)
	}
	pollUntil(t, func() bool { d, c := w.seen(); return len(d) == 1 && len(c) > 0 }, "control dialog and CSP log entry")
	w.mu.Lock()
	w.dialogs, w.csp = nil, nil
	w.mu.Unlock()

	f := newFixture(t)
	ps := append(xssPayloads(t), markers...)
	ctx := context.Background()
	var incs, wins []int64
	for k := 0; k < len(ps); k += 4 {
		group := ps[k:min(k+4, len(ps))]
		name := strings.Join(group, " ")
		body := strings.Join(group, "\n\n") + "\n\n" + strings.Join(markers, "\n\n")
		at := t0.Add(-time.Duration(k+1) * time.Minute)
		inc, err := f.store.CreateIncident(ctx, store.Incident{Name: name, Status: "identified", Impact: "minor", ETA: t0.Add(time.Hour), Started: at},
			store.IncidentUpdate{Status: "identified", Body: body, At: at}, seedActor, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.EditIncident(ctx, inc.ID, seedActor, "incident.update", t0, func(i *store.Incident) (*store.IncidentUpdate, error) {
			i.Postmortem, i.PostmortemAt = body, t0
			return &store.IncidentUpdate{Status: "identified", Body: body, At: t0}, nil
		}); err != nil {
			t.Fatal(err)
		}
		incs = append(incs, inc.ID)
		m, err := f.store.CreateMaintenance(ctx, store.Maintenance{Name: name, Status: "scheduled", Description: body,
			ScheduledFor: t0.Add(time.Duration(k+1) * time.Hour), ScheduledUntil: t0.Add(time.Duration(k+2) * time.Hour)},
			store.MaintenanceUpdate{Status: "scheduled", Body: body, At: t0}, seedActor, t0)
		if err != nil {
			t.Fatal(err)
		}
		wins = append(wins, m.ID)
	}
	bump(f)
	srv := httptest.NewServer(f.h)
	// The page's event stream stays open: end it, or Close waits for it.
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	urls := []string{srv.URL + "/", srv.URL + "/history", srv.URL + "/maintenance"}
	for _, id := range incs {
		urls = append(urls, fmt.Sprintf("%s/incidents/%d", srv.URL, id))
	}
	for _, id := range wins[:3] {
		urls = append(urls, fmt.Sprintf("%s/maintenance/%d", srv.URL, id))
	}
	for _, u := range urls {
		xss, csp := visit(t, tab, u)
		if xss {
			t.Errorf("%s: a payload ran (window.__xss is set)", u)
		}
		if len(csp) > 0 {
			t.Errorf("%s: CSP violations %v", u, csp)
		}
	}
	// The site's own script ran under the CSP: the stream connected. A
	// page served from the cache before many state changes is told to
	// reload by its stream, which ends a poll's page context; so load a
	// page afresh, and give it a second chance if that happens.
	var live error
	for range 2 {
		if live = chromedp.Do(tab, chromedp.Navigate(urls[0])); live != nil {
			continue
		}
		if _, live = chromedp.Run(tab, chromedp.Poll[bool](`document.documentElement.classList.contains("js-live")`,
			chromedp.WithPollingTimeout(10*time.Second))); live == nil {
			break
		}
	}
	if live != nil {
		t.Errorf("app.js did not run: %v", live)
	}
	if d, c := w.seen(); len(d) > 0 || len(c) > 0 {
		t.Errorf("dialogs %q, CSP log entries %q", d, c)
	}
	// On a phone, even these long titles wrap instead of widening the page.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{urls[0], urls[1], urls[2], urls[3]} {
		if err := chromedp.Do(tab, chromedp.Navigate(u)); err != nil {
			t.Fatal(err)
		}
		if wide, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > 390`)); err != nil || wide {
			t.Errorf("%s scrolls sideways on a phone (%v)", u, err)
		}
	}
}

// pollUntil waits for cond, failing after ten seconds.
func pollUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
