package channel

import (
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestSlackMessage: an incoming-webhook message with the fallback text and
// Block Kit blocks (header plain_text, section mrkdwn), mrkdwn's control
// characters escaped so a cause cannot ping a channel.
func TestSlackMessage(t *testing.T) {
	recv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	ev := outage()
	ev.Cause = "<!channel> body & soul"
	a := deliver(t, &Channel{Name: "team", Kind: Slack, URL: recv.URL + "/services/T0/B0/x"}, ev)
	if a.Answer != "ok" || a.Status != 200 {
		t.Errorf("attempt %+v", a)
	}
	m := decode(t, recv.last(t).body)
	if got := str(t, m, "text"); got != "API / api-health: major outage" {
		t.Errorf("text %q", got)
	}
	if str(t, m, "blocks", 0, "type") != "header" || str(t, m, "blocks", 0, "text", "type") != "plain_text" {
		t.Errorf("first block %v", path(t, m, "blocks", 0))
	}
	if str(t, m, "blocks", 1, "type") != "section" || str(t, m, "blocks", 1, "text", "type") != "mrkdwn" {
		t.Errorf("second block %v", path(t, m, "blocks", 1))
	}
	section := str(t, m, "blocks", 1, "text", "text")
	for _, want := range []string{"&lt;!channel&gt; body &amp; soul", "<https://status.example.com/components/api|Status page>", "eu-central, us-east"} {
		if !strings.Contains(section, want) {
			t.Errorf("section %q lacks %q", section, want)
		}
	}
	if strings.Contains(section, "<!channel>") {
		t.Error("an unescaped <!channel> reached Slack")
	}
}

// TestTeamsCard: a message activity with one Adaptive Card attachment
// (contentType, contentUrl null, an AdaptiveCard with a TextBlock title, a
// FactSet and an OpenUrl action), as a Workflows webhook wants it.
func TestTeamsCard(t *testing.T) {
	recv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	deliver(t, &Channel{Name: "ops", Kind: Teams, URL: recv.URL + "/workflows/abc"}, outage())
	m := decode(t, recv.last(t).body)
	if str(t, m, "type") != "message" {
		t.Errorf("type %q", str(t, m, "type"))
	}
	att := path(t, m, "attachments", 0)
	if str(t, att, "contentType") != "application/vnd.microsoft.card.adaptive" {
		t.Errorf("contentType %q", str(t, att, "contentType"))
	}
	if v, ok := att.(map[string]any)["contentUrl"]; !ok || v != nil {
		t.Errorf("contentUrl %v (present %v), want null", v, ok)
	}
	card := path(t, att, "content")
	if str(t, card, "type") != "AdaptiveCard" || str(t, card, "version") == "" || str(t, card, "$schema") == "" {
		t.Errorf("card %v", card)
	}
	if str(t, card, "body", 0, "type") != "TextBlock" || str(t, card, "body", 0, "text") != "API / api-health: major outage" {
		t.Errorf("title block %v", path(t, card, "body", 0))
	}
	if str(t, card, "body", 0, "color") != "attention" {
		t.Errorf("an outage's colour is %q", str(t, card, "body", 0, "color"))
	}
	if str(t, card, "body", 1, "type") != "FactSet" || str(t, card, "body", 1, "facts", 2, "value") != "HTTP 503" {
		t.Errorf("facts %v", path(t, card, "body", 1))
	}
	if str(t, card, "actions", 0, "type") != "Action.OpenUrl" || str(t, card, "actions", 0, "url") != outage().Link {
		t.Errorf("action %v", path(t, card, "actions", 0))
	}
}

// TestDiscordLimits: an execute-webhook body with content and one embed,
// no mentions allowed, and every text within Discord's limits however long
// the cause and names are.
func TestDiscordLimits(t *testing.T) {
	recv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	ev := outage()
	ev.ComponentName = strings.Repeat("Ä", 3000)
	ev.Cause = "@everyone " + strings.Repeat("x", 5000)
	deliver(t, &Channel{Name: "community", Kind: Discord, URL: recv.URL + "/api/webhooks/1/tok"}, ev)
	m := decode(t, recv.last(t).body)
	for _, c := range []struct {
		steps []any
		max   int
	}{
		{[]any{"content"}, 2000},
		{[]any{"embeds", 0, "title"}, 256},
		{[]any{"embeds", 0, "description"}, 4096},
		{[]any{"embeds", 0, "fields", 0, "value"}, 1024},
	} {
		if n := utf8.RuneCountInString(str(t, m, c.steps...)); n > c.max || n == 0 {
			t.Errorf("%v has %d characters, limit %d", c.steps, n, c.max)
		}
	}
	if p, ok := path(t, m, "allowed_mentions", "parse").([]any); !ok || len(p) != 0 {
		t.Errorf("allowed_mentions.parse %v, want []", path(t, m, "allowed_mentions", "parse"))
	}
	if _, err := time.Parse(time.RFC3339, str(t, m, "embeds", 0, "timestamp")); err != nil {
		t.Errorf("timestamp: %v", err)
	}
	if c := path(t, m, "embeds", 0, "color").(float64); c != 0xe74c3c {
		t.Errorf("colour %x", int(c))
	}
}

// TestPagerDutyTriggerThenResolve: the Events API v2 trigger carries the
// routing key, a dedup_key, and payload summary/source/severity; the
// resolve names the same dedup_key and carries no payload.
func TestPagerDutyTriggerThenResolve(t *testing.T) {
	recv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"status":"success","message":"Event processed","dedup_key":"x"}`))
	})
	ch := &Channel{Name: "oncall", Kind: PagerDuty, URL: recv.URL + "/v2/enqueue", RoutingKey: "R0UT1NGKEY0000000000000000000000"}
	deliver(t, ch, outage())
	deliver(t, ch, recovery())
	reqs := recv.requests()
	trig, res := decode(t, reqs[0].body), decode(t, reqs[1].body)
	if str(t, trig, "routing_key") != ch.RoutingKey || str(t, trig, "event_action") != "trigger" {
		t.Errorf("trigger %v", trig)
	}
	key := str(t, trig, "dedup_key")
	if key == "" || len(key) > 255 || str(t, res, "dedup_key") != key {
		t.Errorf("dedup keys %q and %q, want one stable key", key, str(t, res, "dedup_key"))
	}
	if str(t, res, "event_action") != "resolve" || str(t, res, "routing_key") != ch.RoutingKey {
		t.Errorf("resolve %v", res)
	}
	if _, has := res["payload"]; has {
		t.Error("resolve carries a payload")
	}
	if s := str(t, trig, "payload", "summary"); s != "API / api-health: major outage (HTTP 503)" {
		t.Errorf("summary %q", s)
	}
	if str(t, trig, "payload", "source") != "api" || str(t, trig, "payload", "severity") != "critical" {
		t.Errorf("payload %v", path(t, trig, "payload"))
	}
	if _, err := time.Parse(time.RFC3339, str(t, trig, "payload", "timestamp")); err != nil {
		t.Errorf("timestamp: %v", err)
	}
	if str(t, trig, "links", 0, "href") != outage().Link {
		t.Errorf("links %v", path(t, trig, "links"))
	}
	other := outage()
	other.Check = "api-latency"
	if other.dedupKey() == outage().dedupKey() {
		t.Error("two checks share a dedup_key")
	}
	for level, want := range map[string]string{"partial": "error", "degraded": "warning"} {
		ev := outage()
		ev.To = mustLevel(t, level)
		d, err := ch.Alert(ev, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got := str(t, decode(t, d.Body), "payload", "severity"); got != want {
			t.Errorf("%s: severity %q, want %q", level, got, want)
		}
	}
	if _, err := (&Channel{Name: "x", Kind: PagerDuty}).Alert(outage(), time.Now()); err == nil {
		t.Error("pagerduty without a routing key rendered")
	}
}

// TestNtfyHeaders: the body is the text; Title, Priority, Tags and Click
// are headers; a title beyond ASCII arrives RFC 2047-encoded and decodes
// to itself; a newline in it cannot split the header.
func TestNtfyHeaders(t *testing.T) {
	recv := startReceiver(t, nil)
	ev := outage()
	ev.ComponentName = "Zahlungs-API (Köln)\nX-Evil: 1"
	deliver(t, &Channel{Name: "phone", Kind: Ntfy, URL: recv.URL + "/ampel-alerts", Token: "tk_secret"}, ev)
	r := recv.last(t)
	if r.path != "/ampel-alerts" {
		t.Errorf("posted to %q", r.path)
	}
	title, err := new(mime.WordDecoder).DecodeHeader(r.header.Get("Title"))
	if err != nil {
		t.Fatal(err)
	}
	if title != "Zahlungs-API (Köln) X-Evil: 1 / api-health: major outage" {
		t.Errorf("title %q", title)
	}
	if r.header.Get("X-Evil") != "" {
		t.Error("a newline in a name made a header")
	}
	for h, want := range map[string]string{"Priority": "5", "Tags": "rotating_light", "Click": ev.Link, "Authorization": "Bearer tk_secret"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(string(r.body), "HTTP 503") || !strings.Contains(string(r.body), "eu-central") {
		t.Errorf("body %q", r.body)
	}
}

func TestUnknownKindAndMissingURL(t *testing.T) {
	if _, err := (&Channel{Name: "x", Kind: "carrier-pigeon", URL: "http://x"}).Alert(outage(), time.Now()); err == nil ||
		!strings.Contains(err.Error(), "discord, ntfy, pagerduty, slack, teams, webhook") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := (&Channel{Name: "x", Kind: Slack}).Alert(outage(), time.Now()); err == nil {
		t.Error("slack without a URL rendered")
	}
}
