package channel

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// PagerDutyURL is the Events API v2 endpoint.
const PagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

// pdSummaryMax is payload.summary's documented limit.
const pdSummaryMax = 1024

// pdEvent is an Events API v2 alert event (PagerDuty developer docs, "Send
// an Alert Event"): routing_key, event_action trigger|acknowledge|resolve,
// dedup_key (at most 255 characters) correlating a resolve with its
// trigger; a trigger carries payload.summary, source and severity.
type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload,omitempty"`
	Links       []pdLink   `json:"links,omitempty"`
	Client      string     `json:"client,omitempty"`
	ClientURL   string     `json:"client_url,omitempty"`
}

type pdPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

type pdLink struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// pdSeverity maps a level onto PagerDuty's critical|error|warning|info.
func pdSeverity(l status.Level) string {
	switch l {
	case status.Down:
		return "critical"
	case status.Partial:
		return "error"
	case status.Degraded:
		return "warning"
	}
	return "info"
}

func pagerDutyAlert(ch *Channel, ev Event, _ time.Time) (Delivery, error) {
	if ch.RoutingKey == "" {
		return Delivery{}, errors.New("pagerduty: no routing key")
	}
	e := pdEvent{RoutingKey: ch.RoutingKey, EventAction: "resolve", DedupKey: ev.dedupKey()}
	if !ev.Resolved {
		e.EventAction = "trigger"
		e.Client = "Ampel"
		summary := ev.Title()
		if ev.Cause != "" {
			summary += " (" + ev.Cause + ")"
		}
		source := ev.Component
		if source == "" {
			source = "ampel" // the field is required; an event about Ampel itself has no component
		}
		e.Payload = &pdPayload{
			Summary:   truncate(strings.Join(strings.Fields(summary), " "), pdSummaryMax),
			Source:    source,
			Severity:  pdSeverity(ev.To),
			Timestamp: ev.At.UTC().Format(time.RFC3339),
			Component: ev.Check,
			Group:     strings.Join(ev.Zones, ","),
			Class:     ev.To.String(),
			CustomDetails: map[string]any{
				"from": ev.From.String(), "to": ev.To.String(), "cause": ev.Cause, "zones": ev.Zones,
			},
		}
		if ev.Link != "" {
			e.Links = []pdLink{{Href: ev.Link, Text: "Status page"}}
		}
	}
	body, err := json.Marshal(e)
	if err != nil {
		return Delivery{}, err
	}
	url := ch.URL
	if url == "" {
		url = PagerDutyURL
	}
	return jsonDelivery(url, body), nil
}
