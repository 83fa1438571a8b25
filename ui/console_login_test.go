package ui

import (
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testPassword = "correct horse battery"

func TestConsoleFirstRunExplainsTheFirstAdmin(t *testing.T) {
	f := newConsoleFixture(t)
	b := f.browser()
	res, body := b.get("/admin/login")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login page: %d", res.StatusCode)
	}
	want := "ampel user add --config /etc/ampel/ampel.toml --email you@example.com --role admin"
	if !strings.Contains(body, "No account yet") || !strings.Contains(body, want) {
		t.Fatalf("first-run page lacks the command %q:\n%s", want, body)
	}
	if strings.Contains(body, `name="password"`) {
		t.Fatal("first-run page shows a login form: no account can sign in")
	}
	// The console itself sends a stranger to that page.
	res, _ = b.get("/admin")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login" {
		t.Fatalf("GET /admin without session: %d %s", res.StatusCode, res.Header.Get("Location"))
	}

	f.addUser("ops@example.com", "admin", testPassword)
	if _, body = b.get("/admin/login"); strings.Contains(body, "No account yet") || !strings.Contains(body, `name="password"`) {
		t.Fatalf("with an account the login form shows:\n%s", body)
	}
}

func TestConsoleLogin(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "admin", testPassword)
	b := f.browser()

	res, body := b.post("/admin/login", "/admin/login", url.Values{"email": {"ops@example.com"}, "password": {"wrong password!"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, badLogin) {
		t.Fatalf("wrong password: %d\n%s", res.StatusCode, body)
	}
	if _, ok := b.cookies[sessionCookie]; ok {
		t.Fatal("a failed login set a session cookie")
	}

	res, _ = b.post("/admin/login", "/admin/login", url.Values{"email": {"OPS@example.com"}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin" {
		t.Fatalf("right password: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			sc = c
		}
	}
	if sc == nil || !sc.Secure || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Domain != "" || len(sc.Value) < 43 {
		t.Fatalf("session cookie %+v", sc)
	}
	res, body = b.get("/admin")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Signed in as ops@example.com") {
		t.Fatalf("dashboard: %d\n%s", res.StatusCode, body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("console page Cache-Control %q", cc)
	}

	// A deep link survives the detour through the login page, and only
	// console paths are followed.
	b2 := f.browser()
	res, _ = b2.get("/admin/account")
	if loc := res.Header.Get("Location"); loc != "/admin/login?next=%2Fadmin%2Faccount" {
		t.Fatalf("deep link redirect %q", loc)
	}
	res, _ = b2.post("/admin/login?next=%2Fadmin%2Faccount", "/admin/login",
		url.Values{"email": {"ops@example.com"}, "password": {testPassword}, "next": {"/admin/account"}})
	if loc := res.Header.Get("Location"); loc != "/admin/account" {
		t.Fatalf("after login to %q", loc)
	}
	for _, next := range []string{"//evil.example/admin", "https://evil.example", "/admin\\@evil.example", "/adminx"} {
		if got := safeNext(next); got != "/admin" && next != "/adminx" {
			t.Errorf("safeNext(%q) = %q", next, got)
		}
	}
}

// TestConsoleLoginAnswersAlike: a wrong password, an unknown account and
// a disabled one (even with its right password) get the same answer.
func TestConsoleLoginAnswersAlike(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("known@example.com", "operator", testPassword)
	f.addUser("gone@example.com", "operator", testPassword)
	if err := f.st.DisableUser(t.Context(), "gone@example.com", cliTestActor, t0); err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	answer := func(email, pw string) (int, string) {
		res, body := b.post("/admin/login", "/admin/login", url.Values{"email": {email}, "password": {pw}})
		if _, ok := b.cookies[sessionCookie]; ok {
			t.Fatalf("%s signed in", email)
		}
		return res.StatusCode, strings.ReplaceAll(body, email, "EMAIL")
	}
	code, want := answer("known@example.com", "not the password")
	if code != http.StatusUnauthorized || !strings.Contains(want, badLogin) {
		t.Fatalf("wrong password: %d\n%s", code, want)
	}
	for _, c := range []struct{ email, pw string }{
		{"nobody@example.com", "not the password"},
		{"gone@example.com", testPassword},
		{"gone@example.com", "not the password"},
	} {
		if code, got := answer(c.email, c.pw); code != http.StatusUnauthorized || got != want {
			t.Errorf("%s: %d, answer differs from a known account's:\n%s", c.email, code, got)
		}
	}
}

// TestConsoleAccountLimit: 100 failures in an hour lock an account,
// known or not, from every address, even for its right password, until
// the hour has passed.
func TestConsoleAccountLimit(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "admin", testPassword)
	for i := range accountFailures {
		for _, email := range []string{"ops@example.com", "nobody@example.com"} {
			// A fresh address each time: the address limit stays out of it.
			res, _ := f.browser().post("/admin/login", "/admin/login", url.Values{"email": {email}, "password": {"guess " + strconv.Itoa(i)}})
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s failure %d: %d", email, i+1, res.StatusCode)
			}
		}
		f.advance(time.Second)
	}
	locked := func(email, pw string) string {
		t.Helper()
		b := f.browser()
		res, body := b.post("/admin/login", "/admin/login", url.Values{"email": {email}, "password": {pw}})
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Fatalf("%s after %d failures: %d, Retry-After %q", email, accountFailures, res.StatusCode, res.Header.Get("Retry-After"))
		}
		if _, ok := b.cookies[sessionCookie]; ok {
			t.Fatal("a locked account signed in")
		}
		return body
	}
	known, unknown := locked("ops@example.com", testPassword), locked("nobody@example.com", testPassword)
	if known != unknown {
		t.Errorf("the lock tells known from unknown accounts:\n%s\n---\n%s", known, unknown)
	}
	// Refused attempts do not extend the lock: an hour after the first
	// failure (100 s ago), the account opens again.
	locked("ops@example.com", "another guess")
	f.advance(accountWindow - 101*time.Second)
	locked("ops@example.com", testPassword)
	f.advance(time.Second)
	f.browser().login("ops@example.com", testPassword)
}

// TestConsoleAddressLimit: one address may fail ipBurst times at once,
// then one more every ipRefill, whatever the accounts it tries.
func TestConsoleAddressLimit(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "admin", testPassword)
	b := f.browser()
	try := func(email, pw string) *http.Response {
		res, _ := b.post("/admin/login", "/admin/login", url.Values{"email": {email}, "password": {pw}})
		return res
	}
	for i := range ipBurst {
		if res := try("user"+strconv.Itoa(i)+"@example.com", "guess"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, res.StatusCode)
		}
	}
	res := try("ops@example.com", testPassword)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "6" {
		t.Fatalf("after the burst: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Another address is not affected.
	f.browser().login("ops@example.com", testPassword)
	f.advance(ipRefill)
	if res := try("ops@example.com", "guess"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after a refill: %d", res.StatusCode)
	}
	if res := try("ops@example.com", testPassword); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the refill was spent: %d", res.StatusCode)
	}
	f.advance(ipRefill)
	b.login("ops@example.com", testPassword)
}

// TestLockedAccountSurvivesAFlood: locking an account, then failing with
// more fresh emails than the table holds, must not unlock it.
func TestLockedAccountSurvivesAFlood(t *testing.T) {
	l := newLoginLimits(nil)
	now := t0
	for range accountFailures {
		l.fail("ops@example.com", "10.0.0.1", "", now)
	}
	for i := range 2 * maxTracked {
		now = now.Add(time.Millisecond)
		l.fail("junk"+strconv.Itoa(i)+"@example.com", "10.1."+strconv.Itoa(i/256%256)+"."+strconv.Itoa(i%256), "", now)
	}
	if wait, lock := l.wait("ops@example.com", "10.2.0.1", "", now); wait <= 0 || lock != lockAccount {
		t.Fatalf("after a flood of fresh emails: wait %v (lock %v), want the account still locked", wait, lock)
	}
	if a, _ := l.size(); a != maxTracked {
		t.Fatalf("tracked %d accounts, want %d", a, maxTracked)
	}
	// Once its hour is over, the locked entry may go like any other.
	now = now.Add(accountWindow)
	for i := range maxTracked {
		l.fail("late"+strconv.Itoa(i)+"@example.com", "10.3."+strconv.Itoa(i/256%256)+"."+strconv.Itoa(i%256), "", now)
	}
	if l.accounts.peek("ops@example.com") != nil {
		t.Error("an expired lock is kept forever")
	}
}

// TestLoginLimitsStayBounded floods the limits with distinct emails and
// addresses: the tables stop growing at maxTracked.
func TestLoginLimitsStayBounded(t *testing.T) {
	l := newLoginLimits(nil)
	now := t0
	for i := range 3 * maxTracked {
		now = now.Add(time.Millisecond)
		l.fail("user"+strconv.Itoa(i)+"@example.com", "10."+strconv.Itoa(i/65536)+"."+strconv.Itoa(i/256%256)+"."+strconv.Itoa(i%256), "", now)
	}
	if a, ips := l.size(); a != maxTracked || ips != maxTracked {
		t.Fatalf("tracked %d accounts, %d addresses; want %d each", a, ips, maxTracked)
	}
	// Keys are bounded however long the email.
	l.fail(strings.Repeat("x", 1<<20)+"@example.com", "10.9.9.9", "", now)
	if k := accountKey(strings.Repeat("x", 1<<20)); len(k) != maxKeyLen {
		t.Fatalf("account key of %d bytes", len(k))
	}
	// IPv6 clients count per /64.
	l.fail("x@example.com", "2001:db8::1", "", now)
	l.fail("y@example.com", "2001:db8::ffff:1", "", now)
	if ipKey("2001:db8::1") != ipKey("2001:db8::2:1") || ipKey("2001:db8::1") == ipKey("2001:db8:0:1::1") {
		t.Fatal("IPv6 addresses not grouped by /64")
	}
}

// TestSafeNext: after login the browser goes to the cleaned console path
// asked for, with its query; anything that leaves the console once
// cleaned goes to the dashboard.
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/admin/incidents/7?x=1":          "/admin/incidents/7?x=1",
		"/admin/./incidents//7/?x=1&y=2":  "/admin/incidents/7?x=1&y=2",
		"/admin/incidents/../users":       "/admin/users",
		"/admin/a%20b?q=1%202":            "/admin/a%20b?q=1%202",
		"/admin/../../x":                  "/admin",
		"/admin/..":                       "/admin",
		"/admin%2f..%2f..%2fx":            "/admin",
		"/admin/%2e%2e/x":                 "/admin",
		"/adminx":                         "/admin",
		"/admin/login/../incidents":       "/admin/incidents",
		"/admin/x/../login?next=/admin/y": "/admin",
		"admin/incidents":                 "/admin",
		"":                                "/admin",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// FuzzSafeNext: whatever a login link's next holds, the login goes to a
// cleaned console path on this site (never the login page itself), and
// keeps the query of a path it follows.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/admin", "/admin/incidents/7?x=1", "//evil.example", "/admin/../x", "https://evil.example/admin", "/admin\\x", "/admin%2f%2fevil", "/admin/../../x", "/admin/./a/../b?c=d", "/admin/%2e%2e/x"} {
		f.Add(s)
	}
	site, err := url.Parse(consoleOrigin + "/admin/login")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(got, "//") {
			t.Fatalf("safeNext(%q) = %q leaves the site", next, got)
		}
		// Where a browser goes: on this site, in the console, cleaned.
		to := site.ResolveReference(u)
		if to.Host != site.Host || to.Scheme != site.Scheme {
			t.Fatalf("safeNext(%q) = %q leads to %s", next, got, to)
		}
		if p := to.Path; p != u.Path || path.Clean(p) != p || (p != "/admin" && !strings.HasPrefix(p, "/admin/")) || p == "/admin/login" || strings.HasPrefix(p, "/admin/login/") {
			t.Fatalf("safeNext(%q) = %q: path %q is not a cleaned console path", next, got, p)
		}
		if safeNext(got) != got {
			t.Fatalf("safeNext(%q) = %q, which safeNext changes again to %q", next, got, safeNext(got))
		}
		if in, err := url.Parse(next); got != "/admin" && (err != nil || in.RawQuery != u.RawQuery) {
			t.Fatalf("safeNext(%q) = %q lost the query", next, got)
		}
	})
}

func TestConsoleHugeFormsAreRefused(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "admin", testPassword)
	b := f.browser()
	token := b.token("/admin/login")
	form := url.Values{"csrf": {token}, "email": {strings.Repeat("a", 2<<20)}, "password": {testPassword}}
	if res := b.do("POST", "/admin/login", form); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a 2 MiB login form: %d", res.StatusCode)
	}
}
