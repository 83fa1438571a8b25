package channel

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/ampelstatus/ampel/pkg/status"
)

// ntfy publishes the body of a POST to a topic URL; Title, Priority (1 min
// to 5 max/urgent), Tags (comma-separated, emoji short codes become
// emojis) and Click (a URL opened on tap) are headers, and header values
// beyond ASCII go RFC 2047-encoded (docs.ntfy.sh, "Publishing").
func ntfyAlert(ch *Channel, ev Event, _ time.Time) (Delivery, error) {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("User-Agent", userAgent)
	h.Set("Title", headerText(ev.Title()))
	priority, tag := ntfyPriority(ev)
	h.Set("Priority", priority)
	h.Set("Tags", tag)
	if ev.Link != "" && httpguts.ValidHeaderFieldValue(ev.Link) {
		h.Set("Click", ev.Link)
	}
	if ch.Token != "" {
		h.Set("Authorization", "Bearer "+ch.Token)
	}
	return Delivery{Method: http.MethodPost, URL: ch.URL, Header: h, Body: []byte(ev.Detail())}, nil
}

// ntfyPriority gives the priority and tag of an event: an outage wakes,
// a resolution does not.
func ntfyPriority(ev Event) (string, string) {
	switch {
	case ev.Resolved || ev.To == status.Up:
		return "3", "white_check_mark"
	case ev.To == status.Down:
		return "5", "rotating_light"
	case ev.To == status.Partial:
		return "4", "warning"
	}
	return "3", "hourglass"
}

// headerText makes s a valid header value: control characters (a newline
// in a cause) become spaces, and non-ASCII text is RFC 2047-encoded.
func headerText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return mime.BEncoding.Encode("UTF-8", s)
}
