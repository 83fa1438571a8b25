package channel

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// A Teams Workflows webhook ("Send webhook alerts to a channel") takes a
// message activity whose attachments carry an Adaptive Card (Microsoft's
// "Create Incoming Webhooks" page, "Send Adaptive Cards using an Incoming
// Webhook"): contentType application/vnd.microsoft.card.adaptive,
// contentUrl null, the card in content. Teams renders card version 1.4.
const adaptiveCardType = "application/vnd.microsoft.card.adaptive"

type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"`
	Content     adaptiveCard `json:"content"`
}

type adaptiveCard struct {
	Schema  string       `json:"$schema"`
	Type    string       `json:"type"`
	Version string       `json:"version"`
	Body    []cardItem   `json:"body"`
	Actions []cardAction `json:"actions,omitempty"`
}

type cardItem struct {
	Type   string     `json:"type"`
	Text   string     `json:"text,omitempty"`
	Weight string     `json:"weight,omitempty"`
	Size   string     `json:"size,omitempty"`
	Color  string     `json:"color,omitempty"`
	Wrap   bool       `json:"wrap,omitempty"`
	Facts  []cardFact `json:"facts,omitempty"`
}

type cardFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type cardAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// cardColor is the TextBlock colour of a level: Adaptive Cards name
// colours by meaning.
func cardColor(ev Event) string {
	switch {
	case ev.Resolved || ev.To == status.Up:
		return "good"
	case ev.To == status.Down:
		return "attention"
	}
	return "warning"
}

func teamsAlert(ch *Channel, ev Event, _ time.Time) (Delivery, error) {
	facts := []cardFact{
		{Title: "Status", Value: levelText(ev.From) + " → " + levelText(ev.To)},
		{Title: "Since", Value: ev.At.UTC().Format(time.RFC1123)},
	}
	if ev.Cause != "" {
		facts = append(facts, cardFact{Title: "Cause", Value: ev.Cause})
	}
	if len(ev.Zones) > 0 {
		facts = append(facts, cardFact{Title: "Zones", Value: strings.Join(ev.Zones, ", ")})
	}
	card := adaptiveCard{
		Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:    "AdaptiveCard",
		Version: "1.4",
		Body: []cardItem{
			{Type: "TextBlock", Text: ev.Title(), Weight: "Bolder", Size: "Medium", Color: cardColor(ev), Wrap: true},
			{Type: "FactSet", Facts: facts},
		},
	}
	if ev.Link != "" {
		card.Actions = []cardAction{{Type: "Action.OpenUrl", Title: "Status page", URL: ev.Link}}
	}
	body, err := json.Marshal(teamsMessage{
		Type:        "message",
		Attachments: []teamsAttachment{{ContentType: adaptiveCardType, Content: card}},
	})
	if err != nil {
		return Delivery{}, err
	}
	return jsonDelivery(ch.URL, body), nil
}
