package channel

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Discord's limits (developer docs, Message resource, "Embed Limits", and
// Execute Webhook): content 2000 characters, an embed's title 256,
// description 4096, a field's name 256 and value 1024, at most 25 fields,
// 6000 characters across an embed.
const (
	discordContentMax = 2000
	discordTitleMax   = 256
	discordDescMax    = 4096
	discordFieldMax   = 1024
)

type discordMessage struct {
	Content string         `json:"content"`
	Embeds  []discordEmbed `json:"embeds"`
	// AllowedMentions with no parse list keeps "@everyone" in a cause
	// from pinging anyone.
	AllowedMentions struct {
		Parse []string `json:"parse"`
	} `json:"allowed_mentions"`
}

type discordEmbed struct {
	Title       string         `json:"title"`
	Description string         `json:"description"`
	URL         string         `json:"url,omitempty"`
	Color       int            `json:"color"`
	Timestamp   string         `json:"timestamp"`
	Fields      []discordField `json:"fields,omitempty"`
}

type discordField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

// discordColor is the embed's side bar: red down, orange partial, yellow
// degraded, green up or resolved.
func discordColor(ev Event) int {
	switch {
	case ev.Resolved || ev.To == status.Up:
		return 0x2ecc71
	case ev.To == status.Down:
		return 0xe74c3c
	case ev.To == status.Partial:
		return 0xe67e22
	}
	return 0xf1c40f
}

func discordAlert(ch *Channel, ev Event, _ time.Time) (Delivery, error) {
	desc := levelText(ev.From) + " → " + levelText(ev.To)
	if ev.Cause != "" {
		desc += "\n" + ev.Cause
	}
	embed := discordEmbed{
		Title:       truncate(ev.Title(), discordTitleMax),
		Description: truncate(desc, discordDescMax),
		URL:         ev.Link,
		Color:       discordColor(ev),
		Timestamp:   ev.At.UTC().Format(time.RFC3339),
	}
	if len(ev.Zones) > 0 {
		embed.Fields = []discordField{{Name: "Zones", Value: truncate(strings.Join(ev.Zones, ", "), discordFieldMax), Inline: true}}
	}
	msg := discordMessage{Content: truncate(ev.Title(), discordContentMax), Embeds: []discordEmbed{embed}}
	msg.AllowedMentions.Parse = []string{}
	body, err := json.Marshal(msg)
	if err != nil {
		return Delivery{}, err
	}
	return jsonDelivery(ch.URL, body), nil
}
