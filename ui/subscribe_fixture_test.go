package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// subFixture serves the whole handler over a real store in a temporary
// folder, with a clock the test moves.
type subFixture struct {
	t      testing.TB
	st     *store.Store
	dbPath string
	h      http.Handler
	now    atomic.Pointer[time.Time]
	// cookie and csrf are a visitor's form token, from openForm.
	cookie, csrf string
}

func subscriptionsOn() config.Subscriptions {
	return config.Subscriptions{Enabled: true, ConfirmWithin: config.Duration(48 * time.Hour), PerIPPerMinute: 5, PerIPPerDay: 20}
}

func newSubFixture(t testing.TB, subs config.Subscriptions) *subFixture {
	t.Helper()
	return newSubFixtureWith(t, subs, func(*Deps) {})
}

// newSubFixtureWith is newSubFixture with tweak applied to the handler's
// Deps (and their Config) before it is built.
func newSubFixtureWith(t testing.TB, subs config.Subscriptions, tweak func(*Deps)) *subFixture {
	t.Helper()
	f := &subFixture{t: t, dbPath: filepath.Join(t.TempDir(), "ampel.db")}
	st, err := store.Open(context.Background(), f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	now := t0
	f.now.Store(&now)
	cfg := testConfig(t)
	cfg.Subscriptions = subs
	d := Deps{Config: cfg, Engine: state.New(cfg), Store: st, Started: t0,
		Now: func() time.Time { return *f.now.Load() }}
	tweak(&d)
	f.h = New(d)
	return f
}

func (f *subFixture) advance(d time.Duration) {
	n := f.now.Load().Add(d)
	f.now.Store(&n)
}

// do sends a request from ip; form, when not nil, is the urlencoded body.
func (f *subFixture) do(method, path, ip string, form url.Values, header map[string]string) *httptest.ResponseRecorder {
	f.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.RemoteAddr = ip + ":40000"
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

var subCSRFInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// openForm loads /subscribe as a browser would and keeps its form token.
func (f *subFixture) openForm() string {
	f.t.Helper()
	rec := f.do(http.MethodGet, "/subscribe", "192.0.2.1", nil, nil)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("GET /subscribe: %d\n%s", rec.Code, rec.Body)
	}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == subscribeCookie {
			f.cookie = ck.Value
		}
	}
	m := subCSRFInput.FindStringSubmatch(rec.Body.String())
	if f.cookie == "" || m == nil || m[1] != f.cookie {
		f.t.Fatalf("no form token: cookie %q, body token %v", f.cookie, m)
	}
	f.csrf = m[1]
	return rec.Body.String()
}

// subscribe posts the form from ip with the visitor's token; extra adds
// or overrides fields.
func (f *subFixture) subscribe(ip, email string, extra url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	form := url.Values{"email": {email}, "csrf": {f.csrf}, "lang": {"en"}}
	for k, v := range extra {
		form[k] = v
	}
	return f.do(http.MethodPost, "/subscribe", ip, form, map[string]string{
		"Cookie": subscribeCookie + "=" + f.cookie, "Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"})
}

// subscriber returns the one subscriber with the address.
func (f *subFixture) subscriber(email string) store.Subscriber {
	f.t.Helper()
	subs, err := f.st.ListSubscribers(context.Background(), store.SubscriberQuery{Q: email, Limit: 2})
	if err != nil || len(subs) != 1 {
		f.t.Fatalf("subscriber %s: %v, %v", email, subs, err)
	}
	return subs[0]
}

// mint stores a token as the dispatcher does when it sends a mail, and
// returns its secret.
func (f *subFixture) mint(sub int64, purpose string) string {
	f.t.Helper()
	secret := auth.NewSecret("")
	err := f.st.AddSubscriberTokens(context.Background(), []store.SubscriberToken{{
		SubscriberID: sub, Purpose: purpose, Secret: secret, Expires: f.now.Load().Add(48 * time.Hour)}}, *f.now.Load())
	if err != nil {
		f.t.Fatal(err)
	}
	return secret
}

// confirmMails counts the queued confirmation mails, per address.
func (f *subFixture) confirmMails() map[string]int { return f.dueMails(store.MailConfirm) }

// manageMails counts the due manage-link mails by address.
func (f *subFixture) manageMails() map[string]int { return f.dueMails(store.MailManage) }

func (f *subFixture) dueMails(kind string) map[string]int {
	f.t.Helper()
	due, err := f.st.DueMail(context.Background(), f.now.Load().Add(time.Hour), 100_000)
	if err != nil {
		f.t.Fatal(err)
	}
	n := map[string]int{}
	for _, m := range due {
		if m.Kind == kind {
			n[strings.ToLower(m.Email)]++
		}
	}
	return n
}
