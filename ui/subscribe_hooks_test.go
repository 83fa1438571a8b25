package ui

import (
	"context"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/pkg/safehttp/dnstest"
	"github.com/ampelstatus/ampel/pkg/subhook"
	"github.com/ampelstatus/ampel/store"
)

func hooksOn() config.Subscriptions {
	s := subscriptionsOn()
	s.Webhooks, s.PerHostPerDay = true, 3
	return s
}

// subscribeHook posts the hook form from ip with the visitor's token.
func (f *subFixture) subscribeHook(ip, kind, rawURL string, extra url.Values) string {
	f.t.Helper()
	rec := f.postHook(ip, kind, rawURL, extra)
	return strings.TrimSpace(rec.Body.String())
}

func (f *subFixture) postHook(ip, kind, rawURL string, extra url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	form := url.Values{"kind": {kind}, "url": {rawURL}, "csrf": {f.csrf}, "lang": {"en"}}
	for k, v := range extra {
		form[k] = v
	}
	return f.do(http.MethodPost, "/subscribe/hooks", ip, form, map[string]string{
		"Cookie": subscribeCookie + "=" + f.cookie, "Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"})
}

// countingListener accepts on addr and counts connections: refusals must
// leave it at 0.
func countingListener(t *testing.T, addr string) (net.Listener, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln, &n
}

func (f *subFixture) hookCount() int {
	f.t.Helper()
	n, err := f.st.CountHooks(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	total := 0
	for _, k := range n {
		total += k
	}
	return total
}

// TestHookSignupRefusesNonPublicURLs: through the real subscribe path,
// loopback, private, metadata addresses and a name that resolves to
// loopback are refused with an error on the URL field, before any
// connection is opened; a redirect to loopback is refused at delivery,
// before connecting.
func TestHookSignupRefusesNonPublicURLs(t *testing.T) {
	ln, conns := countingListener(t, "127.0.0.1:0")
	port := int64(ln.Addr().(*net.TCPAddr).Port)
	res := dnstest.Start(t, map[string]netip.Addr{"loop.test.": netip.MustParseAddr("127.0.0.1")})
	// 127.0.0.2 is opened by the allow-list, as an operator's internal
	// receiver would be; it redirects to the refused 127.0.0.1.
	allow := []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
	redirector, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	var redirected atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected.Add(1)
		http.Redirect(w, r, "http://127.0.0.1:"+itoa(port)+"/stolen", http.StatusTemporaryRedirect)
	})}
	go srv.Serve(redirector)
	t.Cleanup(func() { srv.Close() })

	f := newSubFixtureWith(t, hooksOn(), func(d *Deps) {
		d.HookResolver = res
		d.Config.Alerts.Allow = allow
	})
	f.openForm()
	for _, u := range []string{
		"http://127.0.0.1:" + itoa(port) + "/hook",
		"http://10.1.2.3/hook",
		"http://169.254.169.254/latest/meta-data/",
		"http://loop.test:" + itoa(port) + "/hook",
		"http://[::1]:" + itoa(port) + "/hook",
	} {
		// Each from its own address: the per-client limit is not the point.
		rec := f.postHook("192.0.2."+itoa(int64(10+len(u)%200)), "webhook", u, nil)
		body := rec.Body.String()
		if rec.Code != http.StatusBadRequest || !strings.Contains(body, "The webhook URL leads to an address that is not on the public internet") ||
			!regexp.MustCompile(`id="hook-url" name="url"[^>]*aria-invalid="true"`).MatchString(body) {
			t.Errorf("%s: %d, want 400 naming the URL field\n%s", u, rec.Code, body)
		}
	}
	if n := f.hookCount(); n != 0 {
		t.Fatalf("%d subscriptions stored for refused URLs", n)
	}

	// Allowed at sign-up, refused on the redirect at delivery.
	rec := f.postHook("198.51.100.1", "webhook", "http://"+redirector.Addr().String()+"/hook", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "whsec_") {
		t.Fatalf("allow-listed URL: %d\n%s", rec.Code, rec.Body)
	}
	d := subhook.New(f.st, subhook.Options{Client: safehttp.New(safehttp.Options{Policy: safehttp.Policy{Allow: allow}}),
		Title: "Example", URL: "https://status.example.com", Now: func() time.Time { return *f.now.Load() }})
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if redirected.Load() != 1 {
		t.Fatalf("the redirector got %d requests", redirected.Load())
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("%d connections to 127.0.0.1", n)
	}
	if n, _ := f.st.PendingHooks(context.Background()); n != 0 {
		t.Fatalf("a redirect to loopback is retried (%d pending)", n)
	}
}

var hookManageLink = regexp.MustCompile(`value="(https?://[^"]+` + subhook.ManagePath + `/[^"]+)"`)

// TestHookSignupFlow: the form's checks, the answer that shows the secret
// and the manage link once, the per-host limit.
func TestHookSignupFlow(t *testing.T) {
	f := newSubFixtureWith(t, hooksOn(), func(d *Deps) {
		d.Config.Alerts.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	page := f.openForm()
	for _, want := range []string{`action="/subscribe/hooks#hooks"`, `name="kind" value="slack"`, `name="kind" value="teams"`, `name="kind" value="discord"`, `id="hook-url" name="url"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("form lacks %s", want)
		}
	}
	for _, tt := range []struct {
		kind, url, want string
		code            int
	}{
		{"webhook", "", "Please enter the webhook URL.", 400},
		{"pager", "http://127.0.0.1:9/x", "Please choose where to send updates.", 400},
		{"webhook", "ftp://127.0.0.1/x", "must be an absolute http:// or https:// address", 400},
		{"webhook", "http://user:pw@127.0.0.1:9/x", "without a user name or password", 400},
		{"slack", "http://no-such-host.invalid/x", "could not be found", 400},
	} {
		rec := f.postHook("192.0.2.11", tt.kind, tt.url, nil)
		if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%s %q: %d\n%s", tt.kind, tt.url, rec.Code, rec.Body)
		}
	}
	// Without the form token: refused.
	rec := f.do(http.MethodPost, "/subscribe/hooks", "192.0.2.12", url.Values{"kind": {"webhook"}, "url": {"http://127.0.0.1:9/x"}}, nil)
	if rec.Code != http.StatusForbidden || f.hookCount() != 0 {
		t.Fatalf("no CSRF token: %d, %d stored", rec.Code, f.hookCount())
	}
	// The honeypot: the same answer, nothing stored.
	if rec := f.postHook("192.0.2.12", "webhook", "http://127.0.0.1:9/x", url.Values{"website": {"spam"}}); rec.Code != 200 || f.hookCount() != 0 {
		t.Fatalf("honeypot: %d, %d stored", rec.Code, f.hookCount())
	}

	body := f.subscribeHook("192.0.2.13", "webhook", "http://127.0.0.1:9/x", url.Values{"component": {"api"}})
	secret := regexp.MustCompile(`value="(whsec_[^"]+)"`).FindStringSubmatch(body)
	manage := hookManageLink.FindStringSubmatch(body)
	if secret == nil || manage == nil {
		t.Fatalf("no secret or manage link shown:\n%s", body)
	}
	list, _ := f.st.ListHooks(context.Background(), "", 10)
	if len(list) != 1 || list[0].Secret != html.UnescapeString(secret[1]) || list[0].State != store.HookPending || list[0].All || list[0].Components[0] != "api" {
		t.Fatalf("stored %+v", list)
	}
	// Slack shows no secret.
	if body := f.subscribeHook("192.0.2.14", "slack", "http://127.0.0.1:9/slack", nil); strings.Contains(body, "whsec_") || !strings.Contains(body, "confirmation link in the message") {
		t.Fatalf("slack answer:\n%s", body)
	}
	// Three verifications per host and day.
	f.subscribeHook("192.0.2.15", "discord", "http://127.0.0.1:9/d", nil)
	if rec := f.postHook("192.0.2.16", "teams", "http://127.0.0.1:9/t", nil); rec.Code != http.StatusTooManyRequests || f.hookCount() != 3 {
		t.Fatalf("fourth for the host: %d, %d stored", rec.Code, f.hookCount())
	}
}

// TestHookConfirmAndManagePages: a GET of a link changes nothing; the
// button confirms; the manage link saves components and ends the
// subscription; unknown tokens are 404.
func TestHookConfirmAndManagePages(t *testing.T) {
	f := newSubFixtureWith(t, hooksOn(), func(d *Deps) {
		d.Config.Alerts.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	f.openForm()
	body := f.subscribeHook("192.0.2.20", "teams", "http://127.0.0.1:9/teams", nil)
	manage := hookManageLink.FindStringSubmatch(body)
	if manage == nil {
		t.Fatalf("no manage link:\n%s", body)
	}
	list, _ := f.st.ListHooks(context.Background(), "", 10)
	id := list[0].ID
	tok := "confirm-token-for-test-0123456789abcdef"
	if err := f.st.AddHookTokens(context.Background(), []store.HookToken{{HookID: id, Purpose: store.PurposeConfirm, Secret: tok, Expires: f.now.Load().Add(time.Hour)}}, *f.now.Load()); err != nil {
		t.Fatal(err)
	}
	same := map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}
	if rec := f.do(http.MethodGet, subhook.ConfirmPath+"/"+tok, "192.0.2.20", nil, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Confirm the subscription") {
		t.Fatalf("confirm page %d", rec.Code)
	}
	if h, _ := f.st.Hook(context.Background(), id); h.State != store.HookPending {
		t.Fatal("a GET confirmed")
	}
	if rec := f.do(http.MethodPost, subhook.ConfirmPath+"/"+tok, "192.0.2.20", url.Values{"lang": {"en"}}, same); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Status updates now go to 127.0.0.1") {
		t.Fatalf("confirm %d\n%s", rec.Code, rec.Body)
	}
	u, _ := url.Parse(manage[1])
	if rec := f.do(http.MethodGet, u.Path, "192.0.2.20", nil, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "State: active") {
		t.Fatalf("manage page %d\n%s", rec.Code, rec.Body)
	}
	if rec := f.do(http.MethodPost, u.Path, "192.0.2.20", url.Values{"action": {"save"}, "component": {"web"}}, same); rec.Code != 200 {
		t.Fatalf("save %d", rec.Code)
	}
	if h, _ := f.st.Hook(context.Background(), id); h.All || len(h.Components) != 1 || h.Components[0] != "web" {
		t.Fatalf("saved %+v", h)
	}
	if rec := f.do(http.MethodPost, u.Path, "192.0.2.20", url.Values{"action": {"unsubscribe"}}, same); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Nothing more is sent") {
		t.Fatalf("unsubscribe %d", rec.Code)
	}
	if h, _ := f.st.Hook(context.Background(), id); h.State != store.HookUnsubscribed {
		t.Fatalf("state %s", h.State)
	}
	if rec := f.do(http.MethodGet, subhook.ManagePath+"/nope", "192.0.2.20", nil, nil); rec.Code != 404 {
		t.Fatalf("unknown token %d", rec.Code)
	}
	// Another site's POST is refused.
	if rec := f.do(http.MethodPost, u.Path, "192.0.2.20", url.Values{"action": {"save"}}, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}); rec.Code != 404 {
		t.Fatalf("cross-site POST %d", rec.Code)
	}
}
