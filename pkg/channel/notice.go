package channel

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Notice is a message for people in a chat channel that is not a level
// change: an incident update to a subscribed channel, or the request to
// confirm a subscription. Title leads, Text follows (plain text, never
// interpreted as markup by any kind), Link is one button or link.
type Notice struct {
	Title, Text string
	Link        string
	LinkLabel   string
	At          time.Time
	// Tone colours it where the kind has colours: "good", "warning",
	// "attention" or "" (neutral).
	Tone string
}

// Notice renders n for a chat kind (slack, teams, discord).
func (ch *Channel) Notice(n Notice) (Delivery, error) {
	var body any
	switch ch.Kind {
	case Slack:
		text := slackEscape.Replace(n.Text)
		if n.Link != "" {
			link := strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(n.Link)
			text += "\n<" + link + "|" + slackEscape.Replace(n.LinkLabel) + ">"
		}
		body = slackMessage{
			Text: slackEscape.Replace(n.Title),
			Blocks: []slackBlock{
				{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(n.Title, slackHeaderMax)}},
				{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(text, slackSectionMax)}},
				{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: n.At.UTC().Format(time.RFC1123)}}},
			},
		}
	case Teams:
		card := adaptiveCard{
			Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
			Body: []cardItem{
				{Type: "TextBlock", Text: n.Title, Weight: "Bolder", Size: "Medium", Color: n.Tone, Wrap: true},
				{Type: "TextBlock", Text: n.Text, Wrap: true},
			},
		}
		if n.Link != "" {
			card.Actions = []cardAction{{Type: "Action.OpenUrl", Title: n.LinkLabel, URL: n.Link}}
		}
		body = teamsMessage{Type: "message", Attachments: []teamsAttachment{{ContentType: adaptiveCardType, Content: card}}}
	case Discord:
		color := map[string]int{"good": 0x2ecc71, "warning": 0xe67e22, "attention": 0xe74c3c}[n.Tone]
		desc := n.Text
		if n.Link != "" {
			desc += "\n" + n.LinkLabel + ": " + n.Link
		}
		msg := discordMessage{Content: truncate(n.Title, discordContentMax), Embeds: []discordEmbed{{
			Title: truncate(n.Title, discordTitleMax), Description: truncate(desc, discordDescMax),
			URL: n.Link, Color: color, Timestamp: n.At.UTC().Format(time.RFC3339),
		}}}
		msg.AllowedMentions.Parse = []string{}
		body = msg
	default:
		return Delivery{}, fmt.Errorf("channel %q: kind %q takes no notices", ch.Name, ch.Kind)
	}
	if ch.URL == "" {
		return Delivery{}, fmt.Errorf("channel %q: no URL", ch.Name)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return Delivery{}, err
	}
	return jsonDelivery(ch.URL, b), nil
}

// NewSecret makes a Standard Webhooks signing secret: "whsec_" and the
// base64 of 32 random bytes.
func NewSecret() string {
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand's contract)
	return secretPrefix + base64.StdEncoding.EncodeToString(key)
}
