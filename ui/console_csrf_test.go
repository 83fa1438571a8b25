package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// consoleWrites lists every state-changing route under /admin, from
// echo's own route table: a route added later is covered without
// touching this test.
func consoleWrites(t *testing.T, f *consoleFixture) []string {
	t.Helper()
	param := regexp.MustCompile(`:[a-z_]+`)
	var out []string
	for _, r := range f.e.Routes() {
		if !strings.HasPrefix(r.Path, "/admin") || strings.Contains(r.Path, "*") {
			continue
		}
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			out = append(out, r.Method+" "+param.ReplaceAllString(r.Path, "1"))
		}
	}
	if len(out) < 7 {
		t.Fatalf("only %d console writes found: %v", len(out), out)
	}
	t.Logf("%d console writes: %v", len(out), out)
	return out
}

// TestConsoleWritesRejectCrossSite sends every state-changing console
// request, as a signed-in admin, (a) without a CSRF token, (b) with a
// wrong one, (c) with the right one but Sec-Fetch-Site: cross-site, and
// (d) with the right one but a foreign Origin: each is refused with 403.
// The same request with the right token from the same origin passes the
// check, so the refusals are the check's doing.
func TestConsoleWritesRejectCrossSite(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("root@example.com", "admin", testPassword)
	b := f.browser()
	b.login("root@example.com", testPassword)
	sessionToken := b.token("/admin")
	loginToken := b.token("/admin/login")
	if sessionToken == loginToken {
		t.Fatal("the login form and the session share a token")
	}
	for _, route := range consoleWrites(t, f) {
		method, path, _ := strings.Cut(route, " ")
		good := sessionToken
		if path == "/admin/login" {
			good = loginToken
		}
		send := func(token string, header http.Header) (*http.Response, string) {
			form := url.Values{}
			if token != "" {
				form.Set("csrf", token)
			}
			b.header = header
			defer func() { b.header = http.Header{} }()
			res := b.do(method, path, form)
			return res, readBody(t, res)
		}
		for _, c := range []struct {
			name   string
			token  string
			header http.Header
		}{
			{"no token", "", http.Header{}},
			{"wrong token", good[:len(good)-2] + "xx", http.Header{}},
			{"another session's token", sessionCSRF("another session"), http.Header{}},
			{"cross-site fetch", good, http.Header{"Sec-Fetch-Site": {"cross-site"}}},
			{"foreign origin", good, http.Header{"Origin": {"https://evil.example"}}},
			{"null origin", good, http.Header{"Origin": {"null"}}},
		} {
			res, body := send(c.token, c.header)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Request refused") {
				t.Errorf("%s with %s: %d, want 403", route, c.name, res.StatusCode)
			}
		}
		// The control: same origin, right token.
		for _, h := range []http.Header{
			{"Origin": {consoleOrigin}, "Sec-Fetch-Site": {"same-origin"}},
			{"Origin": {"https://status.example.com"}}, // site.public_url behind a proxy
		} {
			if _, body := send(good, h); strings.Contains(body, "Request refused") {
				t.Errorf("%s from %v with the right token was refused", route, h)
			}
		}
		if !b.signedIn() {
			// The control may have signed us out (/admin/logout).
			b.login("root@example.com", testPassword)
			sessionToken = b.token("/admin")
			loginToken = b.token("/admin/login")
		}
	}
}
