package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tryLogin posts a login from b and returns the answer's status and body.
func (b *browser) tryLogin(email, pw string) (int, string) {
	b.f.t.Helper()
	res, body := b.post("/admin/login", "/admin/login", url.Values{"email": {email}, "password": {pw}})
	return res.StatusCode, body
}

// signOut ends b's session as the console's button does; the device
// cookie stays.
func (b *browser) signOut() {
	b.f.t.Helper()
	if res, _ := b.post("/admin", "/admin/logout", nil); res.StatusCode != http.StatusSeeOther {
		b.f.t.Fatalf("logout: %d", res.StatusCode)
	}
	if _, ok := b.cookies[sessionCookie]; ok {
		b.f.t.Fatal("still signed in after logout")
	}
}

// flood sends wrong passwords for email from addresses fresh browsers,
// each until its address is refused, and returns how many were checked
// (401) and refused (429).
func (f *consoleFixture) flood(email string, addresses int) (checked, refused int) {
	f.t.Helper()
	for a := range addresses {
		b := f.browser()
		for i := 0; ; i++ {
			code, _ := b.tryLogin(email, "guess "+strconv.Itoa(a)+"-"+strconv.Itoa(i))
			switch code {
			case http.StatusUnauthorized:
				checked++
				continue
			case http.StatusTooManyRequests:
				refused++
			default:
				f.t.Fatalf("flood: %d", code)
			}
			break
		}
	}
	return checked, refused
}

// TestConsoleFloodSparesKnownBrowsers: the attack of issue 15 (100+
// wrong passwords from 11 addresses) locks the account for untrusted
// clients, but the operator's browser, which signed in before, still
// signs in with the right password, from its own address and from one of
// the attackers'.
func TestConsoleFloodSparesKnownBrowsers(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "admin", testPassword)
	op := f.browser()
	op.login("ops@example.com", testPassword)
	op.signOut()
	if _, ok := op.cookies[deviceCookie]; !ok {
		t.Fatal("a login gave no device cookie")
	}

	checked, refused := f.flood("ops@example.com", 11)
	if checked != accountFailures || refused != 11 {
		t.Fatalf("flood from 11 addresses: %d passwords checked, %d refused; want %d checked", checked, refused, accountFailures)
	}
	// An untrusted browser is refused, even with the right password.
	code, body := f.browser().tryLogin("ops@example.com", testPassword)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "A browser that has signed in to this account before can still sign in") {
		t.Fatalf("a new browser with the right password during the flood: %d\n%s", code, body)
	}
	// The operator's browser is not.
	op.login("ops@example.com", testPassword)
	if !op.signedIn() {
		t.Fatal("the operator's browser is not signed in")
	}
	op.signOut()
	// Nor from an address the attacker has exhausted (one NAT for both).
	attacker := f.browser()
	for code, _ := attacker.tryLogin("ops@example.com", "x"); code != http.StatusTooManyRequests; code, _ = attacker.tryLogin("ops@example.com", "x") {
	}
	op.ip = attacker.ip
	op.login("ops@example.com", testPassword)
	op.signOut()

	// Its device cookie is its own: another account's lock is not lifted
	// by it, and a tampered one is worth nothing.
	f.addUser("other@example.com", "operator", testPassword)
	f.flood("other@example.com", 11)
	if code, _ := op.tryLogin("other@example.com", testPassword); code != http.StatusTooManyRequests {
		t.Fatalf("ops's device cookie signed in to another locked account: %d", code)
	}
	forged := f.browser()
	forged.cookies[deviceCookie] = op.cookies[deviceCookie][:len(op.cookies[deviceCookie])-2] + "AA"
	if code, _ := forged.tryLogin("ops@example.com", testPassword); code != http.StatusTooManyRequests {
		t.Fatalf("a tampered device cookie passed the lock: %d", code)
	}

	// The lock ends by itself an hour after the failures that made it,
	// with no restart, for every client.
	f.advance(accountWindow)
	f.browser().login("ops@example.com", testPassword)
}

// TestConsoleGuessesStayLimited: with device cookies in play, a guesser
// without one still gets at most accountFailures wrong passwords checked
// in any hour for an account, however many addresses it uses; a device
// cookie (say a stolen one) is worth deviceFailures an hour and then is
// refused even with the right password, until its hour is over.
func TestConsoleGuessesStayLimited(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "admin", testPassword)
	// A browser that signed in before, later in a guesser's hands.
	stolen := f.browser()
	stolen.login("ops@example.com", testPassword)
	stolen.signOut()

	start := *f.now.Load()
	var checkedAt []time.Time
	// Two and a half hours of a fresh address every 20 seconds.
	for range 450 {
		if code, _ := f.browser().tryLogin("ops@example.com", "guess"); code == http.StatusUnauthorized {
			checkedAt = append(checkedAt, *f.now.Load())
		} else if code != http.StatusTooManyRequests {
			t.Fatalf("guess: %d", code)
		}
		f.advance(20 * time.Second)
	}
	for i := range checkedAt {
		if j := i + accountFailures; j < len(checkedAt) && checkedAt[j].Sub(checkedAt[i]) < accountWindow {
			t.Fatalf("%d guesses checked between %v and %v", accountFailures+1, checkedAt[i].Sub(start), checkedAt[j].Sub(start))
		}
	}
	if len(checkedAt) < 2*accountFailures {
		t.Fatalf("%d guesses checked in 2.5 hours: the lock does not end", len(checkedAt))
	}

	// The guesser with the stolen browser: deviceFailures more.
	for i := range deviceFailures {
		if code, _ := stolen.tryLogin("ops@example.com", "guess "+strconv.Itoa(i)); code != http.StatusUnauthorized {
			t.Fatalf("device guess %d: %d", i+1, code)
		}
		f.advance(time.Second)
	}
	code, body := stolen.tryLogin("ops@example.com", testPassword)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "from this browser") {
		t.Fatalf("a locked device cookie with the right password: %d\n%s", code, body)
	}
	// Nor does a new address help it.
	stolen.ip = f.browser().ip
	if code, _ := stolen.tryLogin("ops@example.com", testPassword); code != http.StatusTooManyRequests {
		t.Fatalf("a locked device cookie from a new address: %d", code)
	}
	f.advance(accountWindow - deviceFailures*time.Second)
	stolen.login("ops@example.com", testPassword)
}

// TestDeviceCookieEndsWithThePassword: a new password voids the device
// cookies signed with the old one, except the browser's that set it.
func TestDeviceCookieEndsWithThePassword(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "admin", testPassword)
	old, setter := f.browser(), f.browser()
	old.login("ops@example.com", testPassword)
	setter.login("ops@example.com", testPassword)
	const next = "a brand new passphrase"
	res, body := setter.post("/admin/account", "/admin/account/password", url.Values{"current": {testPassword}, "new": {next}, "confirm": {next}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d\n%s", res.StatusCode, body)
	}
	setter.signOut()
	f.flood("ops@example.com", 11)
	if code, _ := old.tryLogin("ops@example.com", next); code != http.StatusTooManyRequests {
		t.Fatalf("a device cookie of the old password passed the lock: %d", code)
	}
	setter.login("ops@example.com", next)
}
