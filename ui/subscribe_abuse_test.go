package ui

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// TestSubscribeFloodOneVictim: 1,000 requests for one address from 1,000
// client addresses queue at most 3 confirmation mails, and every answer
// is the same page.
func TestSubscribeFloodOneVictim(t *testing.T) {
	f := newSubFixture(t, subscriptionsOn())
	f.openForm()
	var first string
	for i := range 1000 {
		ip := fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)
		rec := f.subscribe(ip, "victim@example.org", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d\n%s", i, rec.Code, rec.Body)
		}
		if i == 0 {
			first = rec.Body.String()
		} else if rec.Body.String() != first {
			t.Fatalf("request %d answered differently from the first", i)
		}
		f.advance(time.Second)
	}
	if n := f.confirmMails(); n["victim@example.org"] != maxConfirmsPerDay || len(n) != 1 {
		t.Fatalf("confirmation mails = %v, want %d for the victim", n, maxConfirmsPerDay)
	}
}

// TestSubscribeAnswersDoNotEnumerate: the answer for an address is the
// same bytes whether it is new, pending, confirmed, unsubscribed, over
// its mail limit, or a bot filled the honeypot.
func TestSubscribeAnswersDoNotEnumerate(t *testing.T) {
	f := newSubFixture(t, subscriptionsOn())
	f.openForm()
	const email = "who@example.org"
	answers := map[string]string{}
	answer := func(state string, extra url.Values) {
		t.Helper()
		rec := f.subscribe("192.0.2."+strconv.Itoa(len(answers)+1), email, extra)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", state, rec.Code)
		}
		if ck := rec.Header().Get("Set-Cookie"); ck != "" {
			t.Errorf("%s: sets a cookie %q", state, ck)
		}
		answers[state] = rec.Body.String()
		f.advance(time.Second)
	}
	answer("honeypot, nothing stored", url.Values{"website": {"http://spam.example"}})
	if n := f.confirmMails(); len(n) != 0 {
		t.Fatalf("the honeypot queued mail: %v", n)
	}
	if subs, _ := f.st.ListSubscribers(t.Context(), store.SubscriberQuery{Limit: 1}); len(subs) != 0 {
		t.Fatalf("the honeypot stored %v", subs)
	}
	answer("new", nil)
	answer("pending", nil)
	sub := f.subscriber(email)
	if _, err := f.st.ConfirmSubscriber(t.Context(), f.mint(sub.ID, store.PurposeConfirm), *f.now.Load()); err != nil {
		t.Fatal(err)
	}
	answer("confirmed", nil)
	if n := f.manageMails()[email]; n != 1 {
		t.Errorf("%d manage-link mails due for the confirmed address, want 1", n)
	}
	if _, err := f.st.Unsubscribe(t.Context(), f.mint(sub.ID, store.PurposeManage), *f.now.Load()); err != nil {
		t.Fatal(err)
	}
	// A day later the address may have mail again.
	f.advance(25 * time.Hour)
	answer("unsubscribed", nil)
	answer("pending again", nil)
	answer("pending a third time", nil)
	answer("over the limit", nil)
	// Unsubscribing gave up the first two confirmations; the three of the
	// new day are due, and over the limit queued none.
	if n := f.confirmMails()[email]; n != 3 {
		t.Errorf("%d confirmation mails due, want 3", n)
	}
	for state, body := range answers {
		if body != answers["new"] {
			t.Errorf("the answer for %s differs from the one for a new address", state)
		}
	}
	// An address never seen gets the same page but for the address.
	other := f.subscribe("192.0.2.200", "someone-else@example.org", nil).Body.String()
	if strings.ReplaceAll(other, "someone-else@example.org", email) != answers["new"] {
		t.Error("the answer for another new address differs beyond the address")
	}
}

func TestSubscribeRefusals(t *testing.T) {
	f := newSubFixture(t, subscriptionsOn())
	f.openForm()
	// The wrong token differs from the real one in its first character
	// whatever that is ("x" + the rest matched a token starting with x).
	wrong := "x" + f.csrf[1:]
	if f.csrf[0] == 'x' {
		wrong = "y" + f.csrf[1:]
	}
	cases := []struct {
		name   string
		form   url.Values
		header map[string]string
		want   int
		text   string
	}{
		{"no cookie", url.Values{"email": {"a@example.org"}, "csrf": {f.csrf}}, nil, http.StatusForbidden, "The form has expired"},
		{"wrong token", url.Values{"email": {"a@example.org"}, "csrf": {wrong}},
			map[string]string{"Cookie": subscribeCookie + "=" + f.cookie}, http.StatusForbidden, "The form has expired"},
		{"other site", url.Values{"email": {"a@example.org"}, "csrf": {f.csrf}},
			map[string]string{"Cookie": subscribeCookie + "=" + f.cookie, "Origin": "https://evil.example"}, http.StatusForbidden, "The form has expired"},
		{"cross-site fetch", url.Values{"email": {"a@example.org"}, "csrf": {f.csrf}},
			map[string]string{"Cookie": subscribeCookie + "=" + f.cookie, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, "The form has expired"},
		{"too large", url.Values{"email": {"a@example.org"}, "csrf": {f.csrf}, "pad": {strings.Repeat("x", 17<<10)}},
			map[string]string{"Cookie": subscribeCookie + "=" + f.cookie}, http.StatusRequestEntityTooLarge, "too large"},
		{"unknown component", url.Values{"email": {"a@example.org"}, "csrf": {f.csrf}, "component": {"nope"}},
			map[string]string{"Cookie": subscribeCookie + "=" + f.cookie}, http.StatusBadRequest, "does not exist"},
	}
	for i, c := range cases {
		rec := f.do(http.MethodPost, "/subscribe", fmt.Sprintf("198.51.100.%d", i+1), c.form, c.header)
		if rec.Code != c.want || !strings.Contains(rec.Body.String(), c.text) {
			t.Errorf("%s: %d, want %d with %q\n%s", c.name, rec.Code, c.want, c.text, rec.Body)
		}
	}
	if n := f.confirmMails(); len(n) != 0 {
		t.Errorf("refused requests queued mail: %v", n)
	}
}

func TestSubscribeInvalidAddresses(t *testing.T) {
	f := newSubFixture(t, subscriptionsOn())
	f.openForm()
	bad := map[string]string{
		"":                                       "Please enter an email address.",
		"ann":                                    "not a valid email address",
		"Ann <ann@example.org>":                  "not a valid email address",
		"<ann@example.org>":                      "not a valid email address",
		`"ann smith"@example.org`:                "not a valid email address",
		"ann@example.org (Ann)":                  "not a valid email address",
		"ann@localhost":                          "not a valid email address",
		"ann@192.0.2.1":                          "not a valid email address",
		"ann@[192.0.2.1]":                        "not a valid email address",
		"ann@-example.org":                       "not a valid email address",
		"ann..b@example.org":                     "not a valid email address",
		"a@b@example.org":                        "not a valid email address",
		"ann@example.org\r\nBcc: x@example.org":  "not a valid email address",
		strings.Repeat("a", 65) + "@example.org": "not a valid email address",
		"a@" + strings.Repeat("b", 250) + ".org": "too long",
	}
	i := 0
	for email, want := range bad {
		i++
		rec := f.subscribe(fmt.Sprintf("10.9.%d.%d", i/250, i%250), email, nil)
		body := rec.Body.String()
		if rec.Code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%q: %d, want 400 with %q", email, rec.Code, want)
		}
		if strings.TrimSpace(email) != "" && !strings.Contains(body, `value="`+template.HTMLEscapeString(strings.TrimSpace(email))+`"`) {
			t.Errorf("%q: the form lost the input", email)
		}
	}
	if n := f.confirmMails(); len(n) != 0 {
		t.Errorf("invalid addresses queued mail: %v", n)
	}
	for _, good := range []string{"ann@example.org", "a.b+tag@sub.example.co.uk", "jörg@müller.example", "x_y-z@example.museum"} {
		i++
		if rec := f.subscribe(fmt.Sprintf("10.8.%d.%d", i/250, i%250), good, nil); rec.Code != http.StatusOK {
			t.Errorf("%q refused: %d\n%s", good, rec.Code, rec.Body)
		}
	}
}
