package ui

import (
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSubscribeForm: whatever the body, parsing never panics, and an
// address it accepts is one a mail header can carry safely: a bare
// address net/mail reads back unchanged, no control characters or
// spaces, within the length limits, and accepted again as it is stored.
func FuzzSubscribeForm(f *testing.F) {
	for _, seed := range []string{
		"email=ann%40example.org&component=api&component=web",
		"email=Ann+%3Cann%40example.org%3E",
		"email=%22a+b%22%40example.org",
		"email=a%40b%40example.org&website=x",
		"email=j%C3%B6rg%40m%C3%BCller.example",
		"email=ann%40example.org%0d%0aBcc%3a+x%40example.org",
		"email=%FF%FE%40example.org&component=%00",
		"email=a%40[192.0.2.1]",
		"component=nope&email=",
	} {
		f.Add(seed)
	}
	known := []string{"api", "web", "docs"}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		got := parseSubscribeForm(form, known)
		if got.Problem != "" {
			return
		}
		e := got.Email
		if !utf8.ValidString(e) || len(e) > maxEmailLen || strings.ContainsFunc(e, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			t.Fatalf("accepted unsafe address %q", e)
		}
		a, err := mail.ParseAddress(e)
		if err != nil || a.Address != e || a.Name != "" {
			t.Fatalf("accepted %q, which net/mail reads as %v, %v", e, a, err)
		}
		if again, problem := checkEmail(e); again != e || problem != "" {
			t.Fatalf("stored form %q is not accepted as is: %q, %q", e, again, problem)
		}
		for _, c := range got.Components {
			if c != "api" && c != "web" && c != "docs" {
				t.Fatalf("accepted unknown component %q", c)
			}
		}
	})
}
