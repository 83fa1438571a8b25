package ui

import (
	"net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on an address: RFC 5321's path limit (254 usable characters) and
// local-part limit.
const (
	maxEmailLen = 254
	maxLocalLen = 64
)

// subscribeForm is a parsed and checked subscribe form. Problem is the
// catalogue key of what is wrong with it, empty when it is fine.
type subscribeForm struct {
	Email      string
	Components []string
	// Honeypot is set when the field people cannot see was filled in.
	Honeypot bool
	Problem  string
}

// parseSubscribeForm reads the form's fields: email, component (any
// number, each a known slug; none means all), website (the honeypot).
func parseSubscribeForm(form url.Values, known []string) subscribeForm {
	f := subscribeForm{Email: strings.TrimSpace(form.Get("email")), Honeypot: form.Get("website") != ""}
	if !utf8.ValidString(f.Email) {
		// Keep the form's value displayable; the address is invalid.
		f.Email = strings.ToValidUTF8(f.Email, "\uFFFD")
	}
	f.Email, f.Problem = checkEmail(f.Email)
	var problem string
	f.Components, problem = parseComponents(form, known)
	if f.Problem == "" {
		f.Problem = problem
	}
	return f
}

// checkEmail returns the address to store (its domain lowercased) and the
// catalogue key of its problem, if any. Only a bare address is accepted:
// no display name, comment, quoted local part or angle brackets, which
// mail.ParseAddress would take but which make no sense in this form.
func checkEmail(s string) (string, string) {
	switch {
	case s == "":
		return s, "subscribe.error.email_missing"
	case len(s) > maxEmailLen:
		return s, "subscribe.error.email_too_long"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return s, "subscribe.error.email_invalid"
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	stored := local + "@" + domain
	if len(local) > maxLocalLen || len(stored) > maxEmailLen || !dotAtom(local) || !hostName(domain) {
		return s, "subscribe.error.email_invalid"
	}
	return stored, ""
}

// dotAtom reports whether s is an RFC 5322 dot-atom (RFC 6531 lets it
// hold non-ASCII letters and digits too).
func dotAtom(s string) bool {
	if s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (isAlnum(r) || strings.ContainsRune("!#$%&'*+/=?^_`{|}~.-", r)):
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return true
}

// hostName reports whether s is a domain name of at least two labels,
// each of letters, digits and inner hyphens, with a top-level label that
// is not all digits (no bare IP addresses or intranet names).
func hostName(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 || len(s) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if !(isAlnum(r) || r == '-' || (r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))) {
				return false
			}
		}
	}
	return strings.TrimLeft(labels[len(labels)-1], "0123456789") != ""
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
