package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// unfold undoes folding: CRLF followed by a space or tab continues the
// line. It fails on a CR or LF that is not part of a CRLF.
func unfold(t testing.TB, b []byte) []string {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("output does not end in CRLF: %q", b)
	}
	var lines []string
	for _, phys := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if strings.ContainsAny(phys, "\r\n") {
			t.Fatalf("bare CR or LF in %q", phys)
		}
		if len(phys) > maxLine {
			t.Fatalf("line of %d octets: %q", len(phys), phys)
		}
		if !utf8.ValidString(phys) {
			t.Fatalf("line cut inside a UTF-8 sequence: %q", phys)
		}
		if len(lines) > 0 && strings.HasPrefix(phys, " ") {
			lines[len(lines)-1] += phys[1:]
			continue
		}
		lines = append(lines, phys)
	}
	return lines
}

// unescape reverses Text.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == 'n' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                    "plain",
		`a\b;c,d`:                  `a\\b\;c\,d`,
		"one\r\ntwo\nthree\rfour":  `one\ntwo\nthree\nfour`,
		"tab\there\x00\x07\x7f":    "tab\there",
		"bad \xff utf8":            "bad \uFFFD utf8",
		"DTSTART:2026\nEND:VEVENT": `DTSTART:2026\nEND:VEVENT`,
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFoldKeepsRunes(t *testing.T) {
	var w Writer
	long := strings.Repeat("ä€😀x", 40)
	w.Line("DESCRIPTION", Text(long))
	w.Line("UID", "short")
	lines := unfold(t, w.Bytes())
	if len(lines) != 2 || lines[0] != "DESCRIPTION:"+long || lines[1] != "UID:short" {
		t.Fatalf("unfolded %q", lines)
	}
	if n := bytes.Count(w.Bytes(), []byte("\r\n")); n < 5 {
		t.Fatalf("%d physical lines: not folded", n)
	}
}

func TestFoldNotUTF8(t *testing.T) {
	var w Writer
	w.Line("X", strings.Repeat("\x80", 200)) // must end, not loop
	if got := bytes.Count(w.Bytes(), []byte("\r\n")); got != 3 {
		t.Fatalf("%d lines", got)
	}
}

func TestUTC(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	if got := UTC(time.Date(2026, 11, 23, 12, 0, 5, 0, berlin)); got != "20261123T110005Z" {
		t.Fatal(got)
	}
}

// FuzzICSText: any text, escaped and folded, unfolds back to the escaped
// text; its lines are at most 75 octets, whole UTF-8, CRLF-terminated
// with no bare CR or LF; and unescaping gives the input back (line breaks
// as LF, control characters dropped, invalid UTF-8 replaced).
func FuzzICSText(f *testing.F) {
	for _, s := range []string{"", "a,b;c\\d", "x\r\ny\rz\n", strings.Repeat("€", 60), "END:VEVENT\r\nBEGIN:VEVENT", "\xff\xfe", "\t\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		esc := Text(s)
		var w Writer
		w.Line("DESCRIPTION", esc)
		lines := unfold(t, w.Bytes())
		if len(lines) != 1 || lines[0] != "DESCRIPTION:"+esc {
			t.Fatalf("unfolded %q, want %q", lines, "DESCRIPTION:"+esc)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		want = strings.ReplaceAll(want, "\r\n", "\n")
		want = strings.ReplaceAll(want, "\r", "\n")
		want = strings.Map(func(r rune) rune {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
				return -1
			}
			return r
		}, want)
		if got := unescape(esc); got != want {
			t.Fatalf("unescaped %q, want %q", got, want)
		}
	})
}
