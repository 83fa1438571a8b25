package notify

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSubjectLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"API errors", "API errors"},
		{"API\r\nBcc: victim@example.org", "API Bcc: victim@example.org"},
		{"  tabs\tand\u2028lines  ", "tabs and lines"},
		{strings.Repeat("x", 300), strings.Repeat("x", 199) + "…"},
	} {
		if got := subjectLine(tc.in); got != tc.want {
			t.Errorf("subjectLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSubjectLine: whatever an operator types, the subject has no
// control character (CR and LF above all), is valid UTF-8 and bounded.
func FuzzSubjectLine(f *testing.F) {
	for _, s := range []string{"API errors", "a\r\nb", "\x00\x85\u2028", "ä\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := subjectLine(s)
		if strings.ContainsFunc(got, unicode.IsControl) || strings.ContainsAny(got, "\r\n\u2028\u2029") {
			t.Fatalf("control character in %q", got)
		}
		if utf8.RuneCountInString(got) > maxSubject || (utf8.ValidString(s) && !utf8.ValidString(got)) {
			t.Fatalf("bad subject %q", got)
		}
	})
}
