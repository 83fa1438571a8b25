package ui

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// fastParams keep password hashing quick in tests, the console's too.
var fastParams = auth.Params{Memory: 8 * 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func init() { hashParams = fastParams }

// consoleOrigin is where the fixture's browsers load pages from.
const consoleOrigin = "https://ampel.test"

// consoleFixture is the console over a real temporary store, with a
// clock the test moves.
type consoleFixture struct {
	t   testing.TB
	e   *echo.Echo
	st  *store.Store
	now atomic.Pointer[time.Time]
	ip  atomic.Int64
}

func newConsoleFixture(t testing.TB) *consoleFixture {
	t.Helper()
	return newConsoleFixtureWith(t, nil)
}

// newConsoleFixtureWith is newConsoleFixture with the config changed by
// edit first.
func newConsoleFixtureWith(t testing.TB, edit func(*config.Config)) *consoleFixture {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &consoleFixture{t: t, st: st}
	now := t0
	f.now.Store(&now)
	cfg := testConfig(t)
	cfg.Path = "/etc/ampel/ampel.toml"
	if edit != nil {
		edit(cfg)
	}
	f.e = New(Deps{Config: cfg, Engine: state.New(cfg), Store: st, Started: t0,
		Now: func() time.Time { return *f.now.Load() }}).(*echo.Echo)
	return f
}

func (f *consoleFixture) advance(d time.Duration) {
	n := f.now.Load().Add(d)
	f.now.Store(&n)
}

// addUser creates an account through the store, as ampel user add does.
func (f *consoleFixture) addUser(email, role, pw string) int64 {
	f.t.Helper()
	h, err := auth.HashPassword(context.Background(), pw, fastParams)
	if err != nil {
		f.t.Fatal(err)
	}
	id, err := f.st.CreateUser(context.Background(), email, role, h, store.Actor{Kind: store.ActorCLI, Name: "cli:test"}, *f.now.Load())
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// browser keeps cookies like a browser does for one origin, from one
// address of its own.
type browser struct {
	f       *consoleFixture
	cookies map[string]string
	ip      string
	// header is added to every request (Origin, Sec-Fetch-Site).
	header http.Header
}

func (f *consoleFixture) browser() *browser {
	n := f.ip.Add(1)
	return &browser{f: f, cookies: map[string]string{}, header: http.Header{},
		ip: fmt.Sprintf("10.1.%d.%d", n/250, n%250+1)}
}

// do sends a request with the browser's cookies and keeps the cookies
// the answer sets.
func (b *browser) do(method, path string, form url.Values) *http.Response {
	b.f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, consoleOrigin+path, body)
	req.RemoteAddr = b.ip + ":4321"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	rec := httptest.NewRecorder()
	b.f.e.ServeHTTP(rec, req)
	res := rec.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return res
}

func (b *browser) get(path string) (*http.Response, string) {
	b.f.t.Helper()
	res := b.do(http.MethodGet, path, nil)
	return res, readBody(b.f.t, res)
}

// post submits a form as the page at page would: with the CSRF token
// that page carries.
func (b *browser) post(page, path string, form url.Values) (*http.Response, string) {
	b.f.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.token(page))
	res := b.do(http.MethodPost, path, form)
	return res, readBody(b.f.t, res)
}

var regexpMust = regexp.MustCompile

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token loads page and returns the CSRF token of its forms.
func (b *browser) token(page string) string {
	b.f.t.Helper()
	res, body := b.get(page)
	m := csrfInput.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		b.f.t.Fatalf("GET %s: %d, no CSRF token in\n%s", page, res.StatusCode, body)
	}
	return m[1]
}

// login signs in through the form and fails the test unless it works.
func (b *browser) login(email, pw string) {
	b.f.t.Helper()
	res, body := b.post("/admin/login", "/admin/login", url.Values{"email": {email}, "password": {pw}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin" {
		b.f.t.Fatalf("login %s: %d %s\n%s", email, res.StatusCode, res.Header.Get("Location"), body)
	}
}

// signedIn reports whether the browser's session opens the dashboard.
func (b *browser) signedIn() bool {
	b.f.t.Helper()
	res, _ := b.get("/admin")
	switch res.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusSeeOther:
		if !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			b.f.t.Fatalf("redirect to %s", res.Header.Get("Location"))
		}
		return false
	}
	b.f.t.Fatalf("GET /admin: %d", res.StatusCode)
	return false
}

func readBody(t testing.TB, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
