package channel

import (
	"encoding/json"
	"strings"
	"time"
)

// Slack's incoming webhooks take a message: "text" is the notification and
// fallback when "blocks" are given (docs.slack.dev, "Sending messages using
// incoming webhooks"); a header block's plain text holds at most 150
// characters, a section's text 3000 (Block Kit reference).
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
)

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning
// to, so a cause like "<!channel>" cannot ping a whole channel.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackAlert(ch *Channel, ev Event, _ time.Time) (Delivery, error) {
	detail := slackEscape.Replace(ev.Detail())
	if ev.Link != "" {
		// In <url|label> a '|' or '>' in the URL would end it early.
		link := strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(ev.Link)
		detail += "\n<" + link + "|Status page>"
	}
	msg := slackMessage{
		Text: slackEscape.Replace(ev.Title()),
		Blocks: []slackBlock{
			{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(ev.Title(), slackHeaderMax)}},
			{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(detail, slackSectionMax)}},
			{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: ev.At.UTC().Format(time.RFC1123)}}},
		},
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return Delivery{}, err
	}
	return jsonDelivery(ch.URL, body), nil
}
