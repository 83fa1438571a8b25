package heartbeat

import (
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Signal is what a call says about the job.
type Signal int

// Signals.
const (
	// Success ends a run well (or is the only call of a job that sends
	// one per run).
	Success Signal = iota
	// Failure ends a run badly.
	Failure
	// Start begins a run; the next Success or Failure measures its
	// duration.
	Start
)

func (s Signal) String() string {
	switch s {
	case Failure:
		return "down"
	case Start:
		return "start"
	}
	return "up"
}

// Ping is one parsed call.
type Ping struct {
	Signal Signal
	// ExitStatus is the job's exit status when the call gave one
	// (/api/v1/heartbeat/TOKEN/3), else -1.
	ExitStatus int
	// Message is for operators only, at most MaxMessage characters.
	Message string
}

// MaxMessage bounds a call's message, in characters.
const MaxMessage = 200

// MaxBody bounds the request body a caller reads before Parse.
const MaxBody = 10 << 10

// Error is a call Ampel cannot read: Field names the parameter.
type Error struct {
	Field, Msg string
}

func (e *Error) Error() string { return e.Field + ": " + e.Msg }

// Parse reads a call: the path's last part after the token (suffix: "",
// "start", "fail", or an exit status 0 to 255, as Healthchecks.io and
// Better Stack take them), the query (status=up|down|start and msg, as
// Uptime Kuma takes them), and for POST the body: a form with the same
// fields, or any other text as the message. Unknown parameters are
// ignored (cache busters); contradicting ones are an error.
func Parse(suffix string, query url.Values, contentType string, body []byte) (Ping, error) {
	p := Ping{ExitStatus: -1}
	var from []string // where the signal was set
	set := func(s Signal, where string) error {
		if len(from) > 0 && s != p.Signal {
			return &Error{Field: "status", Msg: fmt.Sprintf("%s says %s but %s says %s", from[0], p.Signal, where, s)}
		}
		p.Signal, from = s, append(from, where)
		return nil
	}
	if err := parseSuffix(suffix, &p, set); err != nil {
		return Ping{}, err
	}
	form, text, err := parseBody(contentType, body)
	if err != nil {
		return Ping{}, err
	}
	msg := ""
	for _, vs := range []url.Values{query, form} {
		if err := parseFields(vs, set, &msg); err != nil {
			return Ping{}, err
		}
	}
	if msg == "" {
		msg = text
	}
	p.Message = clean(msg)
	return p, nil
}

func parseSuffix(suffix string, p *Ping, set func(Signal, string) error) error {
	switch suffix {
	case "":
		return nil
	case "start":
		return set(Start, "the path")
	case "fail":
		return set(Failure, "the path")
	}
	n, err := strconv.Atoi(suffix)
	if err != nil || n < 0 || n > 255 || suffix != strconv.Itoa(n) {
		return &Error{Field: "path", Msg: "after the token the path may end in /start, /fail or an exit status 0 to 255"}
	}
	p.ExitStatus = n
	if n == 0 {
		return set(Success, "the path")
	}
	return set(Failure, "the path")
}

// parseBody returns a form body's fields or other text as a message.
func parseBody(contentType string, body []byte) (url.Values, string, error) {
	if len(body) == 0 {
		return nil, "", nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/x-www-form-urlencoded" {
		return nil, string(body), nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, "", &Error{Field: "body", Msg: "not a valid form: " + err.Error()}
	}
	return form, "", nil
}

func parseFields(vs url.Values, set func(Signal, string) error, msg *string) error {
	for _, key := range []string{"status", "msg"} {
		if len(vs[key]) > 1 {
			return &Error{Field: key, Msg: "given more than once"}
		}
	}
	if v, ok := vs["status"]; ok {
		var s Signal
		switch strings.ToLower(strings.TrimSpace(v[0])) {
		case "up":
			s = Success
		case "down":
			s = Failure
		case "start":
			s = Start
		default:
			return &Error{Field: "status", Msg: "must be up, down or start"}
		}
		if err := set(s, "status"); err != nil {
			return err
		}
	}
	if v, ok := vs["msg"]; ok && v[0] != "" {
		if *msg != "" {
			return &Error{Field: "msg", Msg: "given more than once"}
		}
		*msg = v[0]
	}
	return nil
}

// clean makes a message safe to show in one line: valid UTF-8, no
// control characters, spaces collapsed, at most MaxMessage characters.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= MaxMessage {
		return s
	}
	r := []rune(s)
	return string(r[:MaxMessage-1]) + "…"
}
