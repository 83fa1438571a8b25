// Package ical writes iCalendar (RFC 5545) content lines: TEXT values
// escaped, UTC date-times, lines folded at 75 octets without splitting a
// UTF-8 sequence, and CRLF line ends. It knows nothing of what the
// calendar holds; callers write the properties they need.
package ical

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// maxLine is the longest content line in octets, CRLF excluded (RFC 5545
// section 3.1).
const maxLine = 75

// Text escapes s as an RFC 5545 TEXT value: backslash, semicolon and
// comma get a backslash, line breaks (CRLF, CR or LF) become \n, other
// control characters (which TEXT does not allow) are dropped, and invalid
// UTF-8 becomes U+FFFD.
func Text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\\', r == ';', r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			// not allowed in TEXT
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// UTC formats t as a UTC DATE-TIME ("20261123T110000Z").
func UTC(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// Writer collects content lines.
type Writer struct{ buf bytes.Buffer }

// Line writes "name:value" folded, ending in CRLF. value must already be
// in its encoded form (see Text); name must be a property name.
func (w *Writer) Line(name, value string) {
	fold(&w.buf, name+":"+value)
}

// Bytes returns what was written.
func (w *Writer) Bytes() []byte { return w.buf.Bytes() }

// fold writes line in pieces of at most maxLine octets, each continuation
// starting with a space (which counts toward its length), never cutting a
// UTF-8 sequence, each ending in CRLF.
func fold(buf *bytes.Buffer, line string) {
	limit := maxLine
	for len(line) > limit {
		cut := limit
		// A UTF-8 sequence is at most 4 octets: back up at most 3 to
		// its start. Bytes that are not UTF-8 are cut anywhere.
		for cut > limit-utf8.UTFMax+1 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		if !utf8.RuneStart(line[cut]) {
			cut = limit
		}
		buf.WriteString(line[:cut])
		buf.WriteString("\r\n ")
		line = line[cut:]
		limit = maxLine - 1
	}
	buf.WriteString(line)
	buf.WriteString("\r\n")
}
