package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// noScript turns JavaScript off in the tab, for pages that must work
// without it.
var noScript = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	return err
})

// startChromium starts headless Chromium and its first tab, runs setup on
// the tab (a viewport, JavaScript turned off) and returns it. The tab
// and the browser end with the test, and every action on the tab fails
// after 90 seconds, so a page that never loads cannot hang the suite.
// Without chromium the test is skipped, except in CI, where it fails.
func startChromium(t *testing.T, setup ...chromedp.Action[chromedp.Void]) context.Context {
	t.Helper()
	return startChromiumWith(t, false, setup...)
}

// startChromiumWith is startChromium with the back/forward cache on or
// off. Most tests turn it off: a page restored from it skips its load,
// which they do not test; TestBackForwardCache turns it on, as browsers
// ship.
func startChromiumWith(t *testing.T, bfcache bool, setup ...chromedp.Action[chromedp.Void]) context.Context {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
		}
		t.Fatal("chromium is required in CI: ", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	}
	if !bfcache {
		opts = append(opts, chromedp.Flag("disable-features", "BackForwardCache"))
	}
	alloc, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(stopAlloc)
	tab, stopTab := chromedp.NewContext(alloc)
	t.Cleanup(stopTab)
	tab, stopTimeout := context.WithTimeout(tab, 90*time.Second)
	t.Cleanup(stopTimeout)
	if err := chromedp.Do(tab, setup...); err != nil { // starts the tab
		t.Fatal(err)
	}
	return tab
}

// consoleMessages collects what the page writes to the console and the
// browser log (errors, exceptions, CSP violations).
type consoleMessages struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

// watchConsole collects the console messages of tab from now on.
func watchConsole(tab context.Context) *consoleMessages {
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
	return seen
}

// take returns the messages collected since the last take.
func (m *consoleMessages) take() []chromedp.ConsoleMessage {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.msgs
	m.msgs = nil
	return out
}

// evalString evaluates expr, which must give a string, in the tab's page.
func evalString(t *testing.T, tab context.Context, expr string) string {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// pollPage waits up to timeout for predicate to hold in the tab's page.
// A navigation while it polls (a form submitted, a redirect) ends that
// poll, so it polls again. On failure it shows where the page is.
func pollPage(t *testing.T, tab context.Context, what, predicate string, timeout time.Duration) {
	t.Helper()
	var err error
	for range 20 {
		_, err = chromedp.Run(tab, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil || !strings.Contains(err.Error(), "(-32000)") {
			break
		}
	}
	if err != nil {
		t.Fatalf("%s: %v (page: %s)", what, err, evalString(t, tab, `location.href + " " + document.body.innerText`))
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
