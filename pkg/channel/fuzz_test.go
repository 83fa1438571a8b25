package channel

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"

	"github.com/ampelstatus/ampel/pkg/status"
)

// FuzzRender renders events whose texts come from anywhere (a cause is a
// probe's reason, names come from the config) for every kind: rendering
// never fails, JSON bodies parse, every header is one a client can send,
// and each provider's documented limits hold.
func FuzzRender(f *testing.F) {
	f.Add("API", "api-health", "HTTP 503", "eu-central", "https://status.example.com/components/api", uint8(4), false)
	f.Add("Zahlungs-API (Köln)", "", "<!channel> @everyone\r\nX: 1", "", "", uint8(2), true)
	f.Add(strings.Repeat("é", 300), strings.Repeat("c", 300), strings.Repeat("\x00", 5000), "a,b", "https://x/\n", uint8(3), false)
	key, _ := ParseSecret(testSecret)
	f.Fuzz(func(t *testing.T, name, check, cause, zones, link string, level uint8, resolved bool) {
		ev := Event{ID: "01JFUZZ", Component: "api", ComponentName: name, Check: check, Cause: cause, Link: link,
			From: status.Up, To: status.Level(level % 6), At: at, Resolved: resolved}
		if zones != "" {
			ev.Zones = strings.Split(zones, ",")
		}
		for _, kind := range Kinds() {
			ch := &Channel{Name: "f", Kind: Kind(kind), URL: "http://127.0.0.1/x", Secret: key, RoutingKey: "k", Token: "t"}
			d, err := ch.Alert(ev, at)
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			for h, vs := range d.Header {
				for _, v := range vs {
					if !httpguts.ValidHeaderFieldValue(v) {
						t.Fatalf("%s: header %s: %q cannot be sent", kind, h, v)
					}
				}
			}
			if d.Header.Get("Content-Type") != "application/json" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(d.Body, &m); err != nil {
				t.Fatalf("%s: body is not JSON: %v", kind, err)
			}
			checkLimits(t, Kind(kind), m)
		}
	})
}

// checkLimits holds a decoded body to its provider's documented limits.
func checkLimits(t *testing.T, kind Kind, m map[string]any) {
	t.Helper()
	limit := func(max int, steps ...any) {
		if n := utf8.RuneCountInString(str(t, m, steps...)); n > max {
			t.Fatalf("%s: %v has %d characters, limit %d", kind, steps, n, max)
		}
	}
	switch kind {
	case Slack:
		limit(slackHeaderMax, "blocks", 0, "text", "text")
		limit(slackSectionMax, "blocks", 1, "text", "text")
	case Discord:
		limit(discordContentMax, "content")
		limit(discordTitleMax, "embeds", 0, "title")
		limit(discordDescMax, "embeds", 0, "description")
	case PagerDuty:
		limit(255, "dedup_key")
		if _, ok := m["payload"]; ok {
			limit(pdSummaryMax, "payload", "summary")
			if s := str(t, m, "payload", "summary"); strings.ContainsAny(s, "\r\n") {
				t.Fatalf("pagerduty: summary %q is not one line", s)
			}
			if str(t, m, "payload", "source") == "" {
				t.Fatal("pagerduty: empty source")
			}
		}
	}
}
