package channel

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestNoticeInEachChatFormat: a notice renders in each chat kind's own
// schema, its text never read as markup or mentions, and the webhook
// kind (which has its own bodies) takes none.
func TestNoticeInEachChatFormat(t *testing.T) {
	n := Notice{Title: "DB down — investigating", Text: "<!channel> @everyone look", Link: "https://status.example.com/incidents/3",
		LinkLabel: "Incident page", At: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Tone: "attention"}
	for _, kind := range []Kind{Slack, Teams, Discord} {
		ch := &Channel{Name: "sub", Kind: kind, URL: "https://hooks.example.com/x"}
		d, err := ch.Notice(n)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.Unmarshal(d.Body, &body); err != nil || d.URL != ch.URL || d.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %v %s", kind, err, d.Body)
		}
		raw := string(d.Body)
		switch kind {
		case Slack:
			sec := body["blocks"].([]any)[1].(map[string]any)["text"].(map[string]any)["text"].(string)
			if body["text"] != "DB down — investigating" || strings.Contains(sec, "<!channel>") || !strings.Contains(sec, "&lt;!channel&gt;") ||
				!strings.Contains(sec, "<https://status.example.com/incidents/3|Incident page>") {
				t.Errorf("slack %s", raw)
			}
		case Teams:
			att := body["attachments"].([]any)[0].(map[string]any)
			card := att["content"].(map[string]any)
			acts := card["actions"].([]any)
			if body["type"] != "message" || att["contentType"] != adaptiveCardType || card["type"] != "AdaptiveCard" ||
				acts[0].(map[string]any)["url"] != n.Link {
				t.Errorf("teams %s", raw)
			}
		case Discord:
			am := body["allowed_mentions"].(map[string]any)
			embed := body["embeds"].([]any)[0].(map[string]any)
			if len(am["parse"].([]any)) != 0 || embed["color"] != float64(0xe74c3c) || !strings.Contains(embed["description"].(string), n.Link) {
				t.Errorf("discord %s", raw)
			}
		}
	}
	if _, err := (&Channel{Name: "w", Kind: Webhook, URL: "https://x.example"}).Notice(n); err == nil {
		t.Error("a webhook channel took a notice")
	}
	a, b := NewSecret(), NewSecret()
	if k, err := ParseSecret(a); err != nil || len(k) != 32 || a == b {
		t.Errorf("NewSecret: %d bytes, %v", len(k), err)
	}
}
