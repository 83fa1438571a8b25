package ui

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
	browser := startChromium(t, noScript, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile))
	seen := watchConsole(browser)
	eval := func(expr string) string { t.Helper(); return evalString(t, browser, expr) }
	poll := func(what, predicate string) { t.Helper(); pollPage(t, browser, what, predicate, 15*time.Second) }
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

	if err := chromedp.Do(browser, chromedp.Navigate(srv.URL+"/subscribe?lang=de")); err != nil {
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
