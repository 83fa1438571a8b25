package heartbeat

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name, suffix, query, ctype, body string
		want                             Ping
		field                            string // of the error; "" for none
	}{
		{name: "plain call", want: Ping{Signal: Success, ExitStatus: -1}},
		{name: "status up with a message", query: "status=up&msg=42+files", want: Ping{Signal: Success, ExitStatus: -1, Message: "42 files"}},
		{name: "status down", query: "status=DOWN&msg=disk+full", want: Ping{Signal: Failure, ExitStatus: -1, Message: "disk full"}},
		{name: "status start", query: "status=start", want: Ping{Signal: Start, ExitStatus: -1}},
		{name: "start path", suffix: "start", want: Ping{Signal: Start, ExitStatus: -1}},
		{name: "fail path", suffix: "fail", want: Ping{Signal: Failure, ExitStatus: -1}},
		{name: "exit status 0", suffix: "0", want: Ping{Signal: Success, ExitStatus: 0}},
		{name: "exit status 3", suffix: "3", want: Ping{Signal: Failure, ExitStatus: 3}},
		{name: "path and status agree", suffix: "fail", query: "status=down", want: Ping{Signal: Failure, ExitStatus: -1}},
		{name: "unknown parameters are ignored", query: "ts=123&ping=", want: Ping{Signal: Success, ExitStatus: -1}},
		{name: "text body is the message", ctype: "text/plain", body: "backup done\nall good\n", want: Ping{Signal: Success, ExitStatus: -1, Message: "backup done all good"}},
		{name: "query message beats the body", query: "msg=short", body: "long log", want: Ping{Signal: Success, ExitStatus: -1, Message: "short"}},
		{name: "form body", ctype: form + "; charset=utf-8", body: "status=down&msg=no+space", want: Ping{Signal: Failure, ExitStatus: -1, Message: "no space"}},
		{name: "control characters", query: "msg=a%00b%1b%5B31mc%E2%80%AEd", want: Ping{Signal: Success, ExitStatus: -1, Message: "a b [31mc d"}},
		{name: "unknown status", query: "status=ok", field: "status"},
		{name: "status twice", query: "status=up&status=up", field: "status"},
		{name: "msg twice", query: "msg=a&msg=b", field: "msg"},
		{name: "msg in query and form", query: "msg=a", ctype: form, body: "msg=b", field: "msg"},
		{name: "path and status disagree", suffix: "start", query: "status=up", field: "status"},
		{name: "query and form disagree", query: "status=up", ctype: form, body: "status=down", field: "status"},
		{name: "exit status too big", suffix: "256", field: "path"},
		{name: "exit status with sign", suffix: "+1", field: "path"},
		{name: "exit status with zeros", suffix: "007", field: "path"},
		{name: "unknown suffix", suffix: "success", field: "path"},
		{name: "bad form", ctype: form, body: "msg=%zz", field: "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(tc.suffix, q, tc.ctype, []byte(tc.body))
			if tc.field != "" {
				var pe *Error
				if !errors.As(err, &pe) || pe.Field != tc.field {
					t.Fatalf("Parse = %+v, %v; want an error for %s", got, err, tc.field)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestParseLongMessage(t *testing.T) {
	got, err := Parse("", nil, "text/plain", []byte(strings.Repeat("é", 5000)))
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(got.Message); n != MaxMessage || !strings.HasSuffix(got.Message, "…") {
		t.Errorf("message of %d characters: %q", n, got.Message)
	}
}

// FuzzParse: any call is a ping or an Error naming a field, and a ping's
// message is one line of valid UTF-8 within the bound.
func FuzzParse(f *testing.F) {
	f.Add("", "status=up&msg=ok", "", []byte(nil))
	f.Add("start", "", "text/plain", []byte("log\x00line"))
	f.Add("3", "status=down", "application/x-www-form-urlencoded", []byte("msg=%E2%80%AE&status=down"))
	f.Add("fail", "msg=a&msg=b", "multipart/form-data; boundary=x", []byte("--x--"))
	f.Fuzz(func(t *testing.T, suffix, query, ctype string, body []byte) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return // the server rejects such a query before us
		}
		p, err := Parse(suffix, q, ctype, body)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Field == "" || pe.Msg == "" {
				t.Fatalf("error %v is not an Error with a field", err)
			}
			return
		}
		if !utf8.ValidString(p.Message) || utf8.RuneCountInString(p.Message) > MaxMessage || strings.ContainsAny(p.Message, "\n\r\x00") {
			t.Fatalf("message %q", p.Message)
		}
		if p.Signal != Success && p.Signal != Failure && p.Signal != Start {
			t.Fatalf("signal %d", p.Signal)
		}
		if p.ExitStatus < -1 || p.ExitStatus > 255 {
			t.Fatalf("exit status %d", p.ExitStatus)
		}
	})
}
