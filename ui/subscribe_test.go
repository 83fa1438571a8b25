package ui

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// TestSubscribeConfirmManageUnsubscribe walks one subscriber through every
// page, checking after each step what the store holds.
func TestSubscribeConfirmManageUnsubscribe(t *testing.T) {
	f := newSubFixture(t, subscriptionsOn())
	page := f.openForm()
	for _, want := range []string{`<form class="card sub-form" method="post" action="/subscribe"`, `name="component" value="api"`, `class="hp"`, `href="/subscribe?lang=de"`} {
		if !strings.Contains(page, want) {
			t.Errorf("form lacks %s", want)
		}
	}

	rec := f.subscribe("192.0.2.10", "ann@example.org", url.Values{"component": {"api", "docs"}, "lang": {"de"}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Bitte sehen Sie in Ihr Postfach") {
		t.Fatalf("subscribe: %d\n%s", rec.Code, rec.Body)
	}
	sub := f.subscriber("ann@example.org")
	if sub.State != store.SubscriberPending || sub.Lang != "de" || !slices.Equal(sub.Components, []string{"api", "docs"}) {
		t.Fatalf("after subscribe: %+v", sub)
	}
	if n := f.confirmMails(); n["ann@example.org"] != 1 {
		t.Fatalf("confirmation mails = %v, want one", n)
	}

	// The link in the confirmation mail: GET shows a button, changes nothing.
	confirm := f.mint(sub.ID, store.PurposeConfirm)
	rec = f.do(http.MethodGet, "/subscribe/confirm/"+confirm+"?lang=de", "192.0.2.99", nil, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Abonnement bestätigen") || !strings.Contains(rec.Body.String(), `method="post"`) {
		t.Fatalf("confirm page: %d\n%s", rec.Code, rec.Body)
	}
	if got := f.subscriber("ann@example.org").State; got != store.SubscriberPending {
		t.Fatalf("GET confirm changed the state to %s", got)
	}
	if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Referrer-Policy") != "same-origin" {
		t.Errorf("token page headers: %v", rec.Header())
	}
	rec = f.do(http.MethodPost, "/subscribe/confirm/"+confirm, "192.0.2.99", url.Values{"lang": {"de"}}, nil)
	if rec.Code != http.StatusOK || f.subscriber("ann@example.org").State != store.SubscriberConfirmed {
		t.Fatalf("POST confirm: %d, state %s\n%s", rec.Code, f.subscriber("ann@example.org").State, rec.Body)
	}
	// A wrong or manage token confirms nothing.
	if rec := f.do(http.MethodGet, "/subscribe/confirm/not-a-token", "192.0.2.99", nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown confirm token: %d", rec.Code)
	}

	// The manage page changes components.
	manage := f.mint(sub.ID, store.PurposeManage)
	rec = f.do(http.MethodGet, "/subscribe/manage/"+manage, "192.0.2.99", nil, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `value="api" checked`) || strings.Contains(rec.Body.String(), `value="web" checked`) {
		t.Fatalf("manage page: %d\n%s", rec.Code, rec.Body)
	}
	rec = f.do(http.MethodPost, "/subscribe/manage/"+manage, "192.0.2.99", url.Values{"action": {"save"}, "component": {"web"}}, nil)
	if rec.Code != http.StatusOK || !slices.Equal(f.subscriber("ann@example.org").Components, []string{"web"}) {
		t.Fatalf("manage save: %d %+v\n%s", rec.Code, f.subscriber("ann@example.org"), rec.Body)
	}
	rec = f.do(http.MethodPost, "/subscribe/manage/"+manage, "192.0.2.99", url.Values{"action": {"save"}, "component": {"nope"}}, nil)
	if rec.Code != http.StatusBadRequest || !slices.Equal(f.subscriber("ann@example.org").Components, []string{"web"}) {
		t.Errorf("manage with an unknown component: %d", rec.Code)
	}
	if rec := f.do(http.MethodPost, "/subscribe/manage/"+confirm, "192.0.2.99", url.Values{"action": {"unsubscribe"}}, nil); rec.Code != http.StatusNotFound {
		t.Errorf("a confirm token opened the manage actions: %d", rec.Code)
	}

	// GET on the unsubscribe link asks and changes nothing.
	rec = f.do(http.MethodGet, "/unsubscribe/"+manage, "192.0.2.99", nil, nil)
	if rec.Code != http.StatusOK || f.subscriber("ann@example.org").State != store.SubscriberConfirmed {
		t.Fatalf("GET unsubscribe: %d, state %s", rec.Code, f.subscriber("ann@example.org").State)
	}
	// RFC 8058 one-click: no cookie, no CSRF token, no Origin.
	oneClick := url.Values{"List-Unsubscribe": {"One-Click"}}
	for range 2 { // again: still 200
		rec = f.do(http.MethodPost, "/unsubscribe/"+manage, "198.51.100.7", oneClick, nil)
		if rec.Code != http.StatusOK || f.subscriber("ann@example.org").State != store.SubscriberUnsubscribed {
			t.Fatalf("one-click unsubscribe: %d, state %s\n%s", rec.Code, f.subscriber("ann@example.org").State, rec.Body)
		}
	}
	// The manage page offers to subscribe again, confirmed by the token.
	rec = f.do(http.MethodPost, "/subscribe/manage/"+manage, "192.0.2.99", url.Values{"action": {"resubscribe"}}, nil)
	if rec.Code != http.StatusOK || f.subscriber("ann@example.org").State != store.SubscriberConfirmed {
		t.Errorf("resubscribe: %d, state %s", rec.Code, f.subscriber("ann@example.org").State)
	}

	assertNoPlaintextTokens(t, f, confirm, manage)
}

// assertNoPlaintextTokens scans the database files for the secrets; their
// hashes must be there, or the scan proves nothing.
func assertNoPlaintextTokens(t *testing.T, f *subFixture, secrets ...string) {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(f.dbPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	for _, s := range secrets {
		if bytes.Contains(all, []byte(s)) {
			t.Errorf("token %s… stored in plain text", s[:8])
		}
		if !bytes.Contains(all, store.HashToken(s)) {
			t.Errorf("hash of token %s… not found: the scan reads the wrong files", s[:8])
		}
	}
}

func TestSubscribePagesHaveNoInlineCode(t *testing.T) {
	f := newSubFixture(t, subscriptionsOn())
	page := f.openForm()
	rec := f.do(http.MethodGet, "/subscribe", "192.0.2.1", nil, nil)
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	for _, bad := range []string{"<script", "style=", "<style", "onclick", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("the form page has %q", bad)
		}
	}
	if !strings.Contains(page, `name="viewport" content="width=device-width, initial-scale=1"`) {
		t.Error("no viewport meta: not laid out for phones")
	}
}

func TestSubscribeLanguage(t *testing.T) {
	f := newSubFixture(t, subscriptionsOn())
	rec := f.do(http.MethodGet, "/subscribe", "192.0.2.1", nil, map[string]string{"Accept-Language": "de-CH, en;q=0.5"})
	body := rec.Body.String()
	if !strings.Contains(body, `<html lang="de">`) || !strings.Contains(body, "Benachrichtigungen abonnieren") || !strings.Contains(body, `name="lang" value="de"`) {
		t.Errorf("Accept-Language de: not German\n%s", body)
	}
	if !strings.Contains(body, `<a href="/subscribe?lang=en" lang="en" hreflang="en">English</a>`) {
		t.Errorf("no switch to English\n%s", body)
	}
	rec = f.do(http.MethodGet, "/subscribe?lang=en", "192.0.2.1", nil, map[string]string{"Accept-Language": "de"})
	if !strings.Contains(rec.Body.String(), "Subscribe to updates") {
		t.Error("?lang=en does not override Accept-Language")
	}
	for _, header := range []map[string]string{{"Accept-Language": "es-MX, en;q=0.5"}, nil} {
		path := "/subscribe"
		if header == nil {
			path += "?lang=es"
		}
		body := f.do(http.MethodGet, path, "192.0.2.1", nil, header).Body.String()
		if !strings.Contains(body, `<html lang="es">`) || !strings.Contains(body, "Suscribirse a las novedades") || !strings.Contains(body, `name="lang" value="es"`) ||
			!strings.Contains(body, `<a href="/subscribe?lang=de" lang="de" hreflang="de">Deutsch</a>`) {
			t.Errorf("%s %v: not Spanish, or no switch to German\n%s", path, header, body)
		}
	}

	// site.language answers a reader who asks for no language Ampel has.
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "de.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := testConfig(t)
	cfg.Subscriptions, cfg.Site.Language = subscriptionsOn(), "de"
	h := New(Deps{Config: cfg, Engine: state.New(cfg), Store: st, Started: t0, Now: func() time.Time { return t0 }})
	if body := get(h, "/subscribe", "192.0.2.1:1", map[string]string{"Accept-Language": "fr"}).Body.String(); !strings.Contains(body, `<html lang="de">`) {
		t.Errorf("site.language de, Accept-Language fr: not German\n%.300s", body)
	}
}

func TestSubscriptionsDisabled(t *testing.T) {
	f := newSubFixture(t, config.Subscriptions{})
	if rec := f.do(http.MethodGet, "/subscribe", "192.0.2.1", nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("GET /subscribe with subscriptions off: %d", rec.Code)
	}
	if rec := f.do(http.MethodPost, "/subscribe", "192.0.2.1", url.Values{"email": {"a@example.org"}}, nil); rec.Code != http.StatusNotFound {
		t.Errorf("POST /subscribe with subscriptions off: %d", rec.Code)
	}
	// Links from mails sent before keep working.
	if _, err := f.st.Subscribe(t.Context(), store.SubscribeRequest{Email: "old@example.org", Lang: "en", ConfirmWithin: time.Hour, MaxConfirms: 3}, t0); err != nil {
		t.Fatal(err)
	}
	manage := f.mint(f.subscriber("old@example.org").ID, store.PurposeManage)
	if rec := f.do(http.MethodPost, "/unsubscribe/"+manage, "192.0.2.1", nil, nil); rec.Code != http.StatusOK {
		t.Errorf("unsubscribe with subscriptions off: %d", rec.Code)
	}
}

func TestStatusPageLinksSubscribe(t *testing.T) {
	for _, on := range []bool{true, false} {
		subs := subscriptionsOn()
		subs.Enabled = on
		f := newSubFixture(t, subs)
		rec := f.do(http.MethodGet, "/", "192.0.2.1", nil, nil)
		if got := strings.Contains(rec.Body.String(), `<a href="/subscribe">`); rec.Code != http.StatusOK || got != on {
			t.Errorf("subscriptions on %v: %d, link shown %v", on, rec.Code, got)
		}
	}
}

// TestTokenPagesSpeakSubscribersLanguage: a link from a mail opens in the
// language the subscriber chose, unless the visitor switches.
func TestTokenPagesSpeakSubscribersLanguage(t *testing.T) {
	f := newSubFixture(t, subscriptionsOn())
	if _, err := f.st.Subscribe(t.Context(), store.SubscribeRequest{Email: "de@example.org", Lang: "de", ConfirmWithin: time.Hour, MaxConfirms: 3}, t0); err != nil {
		t.Fatal(err)
	}
	sub := f.subscriber("de@example.org")
	confirm, manage := f.mint(sub.ID, store.PurposeConfirm), f.mint(sub.ID, store.PurposeManage)
	english := map[string]string{"Accept-Language": "en-US"}
	for path, want := range map[string]string{
		"/subscribe/confirm/" + confirm:              "Abonnement bestätigen",
		"/subscribe/confirm/" + confirm + "?lang=en": "Confirm your subscription",
		"/subscribe/manage/" + manage:                "Ihr Abonnement",
		"/unsubscribe/" + manage:                     "Alle Statusmeldungen an de@example.org beenden?",
	} {
		if body := f.do(http.MethodGet, path, "192.0.2.1", nil, english).Body.String(); !strings.Contains(body, want) {
			t.Errorf("%s: no %q", path, want)
		}
	}
	if body := f.do(http.MethodPost, "/unsubscribe/"+manage, "192.0.2.1", url.Values{"List-Unsubscribe": {"One-Click"}}, english).Body.String(); !strings.Contains(body, "Sie haben abbestellt") {
		t.Error("the one-click answer is not in German")
	}
}
