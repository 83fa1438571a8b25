// Package channel renders what Ampel tells people outside its own pages
// (operator alerts now, subscriber notices next) in the format of each
// receiving service, and sends one attempt of it, classifying the answer
// for the outbox that retries.
//
// Kinds and the schema each follows:
//   - webhook: JSON signed per the Standard Webhooks spec
//     (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md);
//   - slack: incoming webhook, text plus Block Kit blocks
//     (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks);
//   - teams: Workflows webhook carrying an Adaptive Card attachment
//     (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook);
//   - discord: execute-webhook JSON with an embed
//     (https://discord.com/developers/docs/resources/webhook#execute-webhook);
//   - pagerduty: Events API v2, trigger and resolve by dedup_key
//     (https://developer.pagerduty.com/docs/events-API-v2/02-Trigger-Events.md);
//   - ntfy: POST to a topic URL, Title/Priority/Tags/Click headers
//     (https://docs.ntfy.sh/publish/).
//
// Statuspage's subscriber webhook shapes (statuspage.go) let receivers
// written for Statuspage read Ampel's notices unchanged.
package channel

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Kind names a receiving service's format.
type Kind string

// The kinds.
const (
	Webhook   Kind = "webhook"
	Slack     Kind = "slack"
	Teams     Kind = "teams"
	Discord   Kind = "discord"
	PagerDuty Kind = "pagerduty"
	Ntfy      Kind = "ntfy"
)

// renderers is the one registry of kinds: a kind is a file and an entry.
var renderers = map[Kind]func(*Channel, Event, time.Time) (Delivery, error){
	Webhook:   webhookAlert,
	Slack:     slackAlert,
	Teams:     teamsAlert,
	Discord:   discordAlert,
	PagerDuty: pagerDutyAlert,
	Ntfy:      ntfyAlert,
}

// Kinds lists the known kinds, sorted, for config validation and errors.
func Kinds() []string {
	out := make([]string, 0, len(renderers))
	for k := range renderers {
		out = append(out, string(k))
	}
	slices.Sort(out)
	return out
}

// Channel is one configured receiver. Its secrets come from files the
// config names; none of them is ever logged.
type Channel struct {
	Name string
	Kind Kind
	// URL is where a delivery goes. For slack, teams, discord and ntfy
	// the URL itself is the credential. Empty for pagerduty means
	// PagerDutyURL.
	URL string
	// Secret is the webhook kind's HMAC key (ParseSecret of its whsec_
	// file).
	Secret []byte
	// RoutingKey is the pagerduty integration key.
	RoutingKey string
	// Token, when set, goes to an ntfy server as a bearer token.
	Token string
}

// Event is one change, neutral of any channel: a component (or one of its
// checks) moved from one level to another.
type Event struct {
	// ID identifies the event for every attempt and channel (the
	// webhook-id derives from it); letters, digits, '-' and '_' only.
	ID string
	// Component is the component's slug; ComponentName what people read.
	Component     string
	ComponentName string
	// Check, when set, is the check that changed; empty for the component
	// as a whole.
	Check string
	// Zones are the zones that see the problem (or saw it, when resolved).
	Zones    []string
	From, To status.Level
	// Cause is the short reason, such as "HTTP 503" or "timeout".
	Cause string
	// At is when the change was recorded.
	At time.Time
	// Link leads to the component or its incident on the status page.
	Link string
	// Resolved says the problem is over (To is up again).
	Resolved bool
}

// Subject is what the event is about: "API", or "API / api-health".
func (e Event) Subject() string {
	name := e.ComponentName
	if name == "" {
		name = e.Component
	}
	if e.Check != "" {
		return name + " / " + e.Check
	}
	return name
}

// Title is the one-line summary every kind leads with.
func (e Event) Title() string {
	if e.Resolved {
		return fmt.Sprintf("Resolved: %s is %s", e.Subject(), levelText(e.To))
	}
	return fmt.Sprintf("%s: %s", e.Subject(), levelText(e.To))
}

// Detail is the body text: the move, the cause and the zones.
func (e Event) Detail() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s → %s", levelText(e.From), levelText(e.To))
	if e.Cause != "" {
		b.WriteString(": " + e.Cause)
	}
	if len(e.Zones) > 0 {
		b.WriteString("\nZones: " + strings.Join(e.Zones, ", "))
	}
	return b.String()
}

// dedupKey is stable per component or check, so a resolve closes the
// trigger it follows (PagerDuty allows 255 characters).
func (e Event) dedupKey() string {
	k := "ampel/" + e.Component
	if e.Check != "" {
		k += "/" + e.Check
	}
	return truncate(k, 255)
}

// levelText is how alerts name a level: Statuspage's words, spaced.
func levelText(l status.Level) string {
	if l == status.NoData {
		return "no data"
	}
	return strings.ReplaceAll(l.Statuspage(), "_", " ")
}

// Delivery is one rendered request, ready to send.
type Delivery struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Alert renders ev for the channel's kind; now stamps signatures.
func (ch *Channel) Alert(ev Event, now time.Time) (Delivery, error) {
	render, ok := renderers[ch.Kind]
	if !ok {
		return Delivery{}, fmt.Errorf("channel %q: unknown kind %q (known: %s)", ch.Name, ch.Kind, strings.Join(Kinds(), ", "))
	}
	if ch.URL == "" && ch.Kind != PagerDuty {
		return Delivery{}, fmt.Errorf("channel %q: no URL", ch.Name)
	}
	d, err := render(ch, ev, now)
	if err != nil {
		return Delivery{}, fmt.Errorf("channel %q: %w", ch.Name, err)
	}
	return d, nil
}

// jsonDelivery is a POST of a JSON body to the channel's URL.
func jsonDelivery(url string, body []byte) Delivery {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", userAgent)
	return Delivery{Method: http.MethodPost, URL: url, Header: h, Body: body}
}

// userAgent tells receivers who calls, as Statuspage's own does.
const userAgent = "Ampel-Alerts/1"

// truncate cuts s to at most n characters, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
