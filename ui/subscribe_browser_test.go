package ui

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// TestSubscribeInBrowser fills the subscribe form in headless Chromium at
// a phone's size with JavaScript turned off: the honeypot is out of
// sight, nothing scrolls sideways, a bad address shows the message and
// keeps the input, a good one subscribes, and no CSP violation or other
// console message is reported.
func TestSubscribeInBrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
		}
		t.Fatal("chromium is required in CI: ", err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := testConfig(t)
	cfg.Subscriptions = subscriptionsOn()
	srv := httptest.NewServer(New(Deps{Config: cfg, Engine: state.New(cfg), Store: st, Started: time.Now()}))
	defer srv.Close()

	alloc, stopAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	defer stopAlloc()
	browser, stopBrowser := chromedp.NewContext(alloc)
	defer stopBrowser()
	browser, stopTimeout := context.WithTimeout(browser, 60*time.Second)
	defer stopTimeout()
	if err := chromedp.Do(browser); err != nil {
		t.Fatal(err)
	}
	var seen consoleMessages
	messages := chromedp.Console(browser)
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
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(browser, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	poll := func(what, predicate string) {
		t.Helper()
		var err error
		for range 20 {
			_, err = chromedp.Run(browser, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
			if err == nil || !strings.Contains(err.Error(), "(-32000)") {
				break
			}
		}
		if err != nil {
			t.Fatalf("%s: %v (page: %s)", what, err, eval(`document.location.href + " " + document.body.innerText`))
		}
	}
	noJS := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})

	if err := chromedp.Do(browser, noJS, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/subscribe?lang=de")); err != nil {
		t.Fatal(err)
	}
	poll("the German form", `document.querySelector("h1").textContent === "Benachrichtigungen abonnieren"`)
	if got := eval(`String(document.documentElement.scrollWidth <= 360)`); got != "true" {
		t.Errorf("the form scrolls sideways on a phone: %s", eval(`String(document.documentElement.scrollWidth)`))
	}
	if got := eval(`String(document.querySelector("#website").getBoundingClientRect().right <= 0)`); got != "true" {
		t.Error("the honeypot field is in sight: subscribe.css not applied?")
	}
	if got := eval(`String(document.querySelector("button[type=submit]").getBoundingClientRect().height >= 44)`); got != "true" {
		t.Error("the submit button is smaller than a finger")
	}

	for _, m := range seen.take() {
		t.Errorf("browser reported on the form: %s %s", m.Type, m.Text)
	}

	if err := chromedp.Do(browser,
		chromedp.SendKeys("#email", "Ann <ann@example.org>"),
		chromedp.Click(`form.sub-form button[type="submit"]`),
	); err != nil {
		t.Fatal(err)
	}
	poll("the problem shown", `!!document.querySelector(".problem")`)
	if got := eval(`document.querySelector(".problem").textContent`); !strings.Contains(got, "keine gültige E-Mail-Adresse") {
		t.Fatalf("problem %q, want the invalid address", got)
	}
	if got := eval(`document.querySelector("#email").value`); got != "Ann <ann@example.org>" {
		t.Errorf("the form lost the input: %q", got)
	}
	// The browser logs the 400 of that answer; nothing else may appear.
	for _, m := range seen.take() {
		if !strings.Contains(m.Text, "status of 400") {
			t.Errorf("browser reported: %s %s", m.Type, m.Text)
		}
	}
	if err := chromedp.Do(browser,
		chromedp.Navigate(srv.URL+"/subscribe?lang=de"),
		chromedp.SendKeys("#email", "ann@example.org"),
		chromedp.Click(`input[value="docs"]`),
		chromedp.Click(`form.sub-form button[type="submit"]`),
	); err != nil {
		t.Fatal(err)
	}
	poll("the answer page", `document.querySelector("h1").textContent === "Bitte sehen Sie in Ihr Postfach"`)
	subs, err := st.ListSubscribers(ctx, store.SubscriberQuery{Limit: 5})
	if err != nil || len(subs) != 1 || subs[0].Email != "ann@example.org" || subs[0].Lang != "de" || !slices.Equal(subs[0].Components, []string{"docs"}) {
		t.Fatalf("stored %+v, %v", subs, err)
	}

	// The links of the mails: the button pages post back to themselves
	// (their referrer policy must still let the browser send Origin).
	mint := func(purpose string) string {
		secret := auth.NewSecret("")
		err := st.AddSubscriberTokens(ctx, []store.SubscriberToken{{SubscriberID: subs[0].ID, Purpose: purpose, Secret: secret}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	stateOf := func() string {
		sub, err := st.Subscriber(ctx, subs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		return sub.State
	}
	if err := chromedp.Do(browser, chromedp.Navigate(srv.URL+"/subscribe/confirm/"+mint(store.PurposeConfirm)+"?lang=de")); err != nil {
		t.Fatal(err)
	}
	poll("the confirm page", `document.querySelector("h1").textContent === "Abonnement bestätigen"`)
	if got := stateOf(); got != store.SubscriberPending {
		t.Fatalf("opening the confirm link made the subscriber %s", got)
	}
	if err := chromedp.Do(browser, chromedp.Click(`main form button`)); err != nil {
		t.Fatal(err)
	}
	poll("confirmed", `document.querySelector("h1").textContent === "Abonnement bestätigt"`)
	if got := stateOf(); got != store.SubscriberConfirmed {
		t.Fatalf("after the button: %s", got)
	}
	manage := mint(store.PurposeManage)
	if err := chromedp.Do(browser, chromedp.Navigate(srv.URL+"/subscribe/manage/"+manage+"?lang=en"),
		chromedp.Click(`input[value="api"]`), chromedp.Click(`button[value="save"]`)); err != nil {
		t.Fatal(err)
	}
	poll("saved", `!!document.querySelector(".saved")`)
	if sub, _ := st.Subscriber(ctx, subs[0].ID); !slices.Equal(sub.Components, []string{"api", "docs"}) {
		t.Errorf("components after saving: %v", sub.Components)
	}
	if err := chromedp.Do(browser, chromedp.Navigate(srv.URL+"/unsubscribe/"+manage+"?lang=en")); err != nil {
		t.Fatal(err)
	}
	poll("the unsubscribe page", `document.querySelector("h1").textContent === "Unsubscribe"`)
	if err := chromedp.Do(browser, chromedp.Click(`main form button`)); err != nil {
		t.Fatal(err)
	}
	poll("unsubscribed", `document.querySelector("h1").textContent === "You are unsubscribed"`)
	if got := stateOf(); got != store.SubscriberUnsubscribed {
		t.Errorf("after unsubscribing: %s", got)
	}
	for _, m := range seen.take() {
		t.Errorf("browser reported: %s %s", m.Type, m.Text)
	}
}
