package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

var cliTestActor = store.Actor{Kind: store.ActorCLI, Name: "cli:test"}

func TestConsoleSessionRotatesOnLogin(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "admin", testPassword)
	b := f.browser()
	b.login("ops@example.com", testPassword)
	old := b.cookies[sessionCookie]
	// Signing in again, with the old session presented, issues a new one
	// and ends the old.
	b.login("ops@example.com", testPassword)
	if b.cookies[sessionCookie] == old {
		t.Fatal("login kept the presented session")
	}
	if !b.signedIn() {
		t.Fatal("the new session does not work")
	}
	replay := f.browser()
	replay.cookies[sessionCookie] = old
	if replay.signedIn() {
		t.Fatal("the session presented at login still works")
	}
	// A session an attacker planted before login is not adopted either.
	fixed := f.browser()
	fixed.cookies[sessionCookie] = "planted-by-attacker"
	fixed.login("ops@example.com", testPassword)
	if fixed.cookies[sessionCookie] == "planted-by-attacker" {
		t.Fatal("login adopted a planted session id")
	}
}

func TestConsoleLogoutEndsTheSession(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "operator", testPassword)
	b := f.browser()
	b.login("ops@example.com", testPassword)
	stolen := b.cookies[sessionCookie]
	res, _ := b.post("/admin", "/admin/logout", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login" {
		t.Fatalf("logout: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, ok := b.cookies[sessionCookie]; ok {
		t.Fatal("logout left the cookie")
	}
	if _, body := b.get("/admin/login"); !strings.Contains(body, "You are signed out.") {
		t.Error("no flash after logout")
	}
	replay := f.browser()
	replay.cookies[sessionCookie] = stolen
	if replay.signedIn() {
		t.Fatal("the session works after logout")
	}
}

func TestConsolePasswordChangeEndsEverySession(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "operator", testPassword)
	phone, laptop := f.browser(), f.browser()
	phone.login("ops@example.com", testPassword)
	laptop.login("ops@example.com", testPassword)
	before := phone.cookies[sessionCookie]

	change := func(current, pw, confirm string) (*http.Response, string) {
		return phone.post("/admin/account", "/admin/account/password", url.Values{"current": {current}, "new": {pw}, "confirm": {confirm}})
	}
	for _, c := range []struct{ current, pw, confirm, want string }{
		{"wrong password!", "a brand new passphrase", "a brand new passphrase", "current password is wrong"},
		{testPassword, "short", "short", "too short"},
		{testPassword, "a brand new passphrase", "a brand new passphrasE", "differ"},
	} {
		if res, body := change(c.current, c.pw, c.confirm); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) {
			t.Errorf("%+v: %d\n%s", c, res.StatusCode, body)
		}
	}
	if !laptop.signedIn() {
		t.Fatal("a refused change signed others out")
	}
	res, _ := change(testPassword, "a brand new passphrase", "a brand new passphrase")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", res.StatusCode)
	}
	if phone.cookies[sessionCookie] == before || !phone.signedIn() {
		t.Fatal("the changer did not get a fresh session")
	}
	if laptop.signedIn() {
		t.Fatal("another session survived the password change")
	}
	replay := f.browser()
	replay.cookies[sessionCookie] = before
	if replay.signedIn() {
		t.Fatal("the changer's old session survived the password change")
	}
	f.browser().login("ops@example.com", "a brand new passphrase")
}

func TestConsoleDisabledUsersSessionsEnd(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("root@example.com", "admin", testPassword)
	id := f.addUser("ops@example.com", "operator", testPassword)
	admin, ops1, ops2 := f.browser(), f.browser(), f.browser()
	admin.login("root@example.com", testPassword)
	ops1.login("ops@example.com", testPassword)
	ops2.login("ops@example.com", testPassword)
	res, _ := admin.post("/admin/users", "/admin/users/"+itoa(id)+"/disable", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if ops1.signedIn() || ops2.signedIn() {
		t.Fatal("a disabled user's session still works")
	}
	if !admin.signedIn() {
		t.Fatal("the admin was signed out")
	}
}

func TestConsoleSessionTimeouts(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "operator", testPassword)
	b := f.browser()
	b.login("ops@example.com", testPassword)
	// Busy: a page every 20 minutes keeps it alive up to the absolute
	// limit of 12 h.
	for range 12*3 - 1 {
		f.advance(20 * time.Minute)
		if !b.signedIn() {
			t.Fatalf("signed out while busy at %s", f.now.Load().Sub(t0))
		}
	}
	f.advance(20 * time.Minute)
	if b.signedIn() {
		t.Fatal("a session outlived session_max")
	}
	// Idle: 30 minutes without a request end it.
	b.login("ops@example.com", testPassword)
	f.advance(29 * time.Minute)
	if !b.signedIn() {
		t.Fatal("signed out before the idle timeout")
	}
	f.advance(30*time.Minute + time.Second)
	if b.signedIn() {
		t.Fatal("an idle session survived")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
