package channel

import (
	"encoding/json"
	"errors"
	"time"
)

// Statuspage's subscriber webhooks (Atlassian support, "Enable webhook
// notifications") are POSTs of one of two bodies: a component update
// (meta, page, component_update, component) or an incident update (meta,
// page, incident with its incident_updates newest first). Receivers such
// as Zulip's tell them apart by the "incident" or "component" key and
// read incident.name, incident.status, incident.incident_updates[0].body,
// component.name, component_update.old_status/new_status and
// page.status_description.

// SPMeta is the "meta" object: how to unsubscribe, where the format is
// documented, when the notice was made.
type SPMeta struct {
	Unsubscribe   string    `json:"unsubscribe"`
	Documentation string    `json:"documentation"`
	GeneratedAt   time.Time `json:"generated_at"`
}

// SPPage is the "page" object: the page's overall state as
// /api/v2/status.json gives it (indicator none|minor|major|critical).
type SPPage struct {
	ID                string `json:"id"`
	StatusIndicator   string `json:"status_indicator"`
	StatusDescription string `json:"status_description"`
}

// SPComponent is the "component" object, as /api/v2/components.json
// serves a component.
type SPComponent struct {
	ID          string    `json:"id"`
	PageID      string    `json:"page_id"`
	GroupID     *string   `json:"group_id"`
	Name        string    `json:"name"`
	Description *string   `json:"description"`
	Status      string    `json:"status"`
	Position    int       `json:"position"`
	Showcase    bool      `json:"showcase"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// SPComponentUpdate is the "component_update" object: one status move.
type SPComponentUpdate struct {
	ID            string    `json:"id"`
	ComponentID   string    `json:"component_id"`
	ComponentType string    `json:"component_type"`
	OldStatus     string    `json:"old_status"`
	NewStatus     string    `json:"new_status"`
	CreatedAt     time.Time `json:"created_at"`
}

type spComponentBody struct {
	Meta            SPMeta            `json:"meta"`
	Page            SPPage            `json:"page"`
	ComponentUpdate SPComponentUpdate `json:"component_update"`
	Component       SPComponent       `json:"component"`
}

type spIncidentBody struct {
	Meta     SPMeta          `json:"meta"`
	Page     SPPage          `json:"page"`
	Incident json.RawMessage `json:"incident"`
}

// ComponentUpdateBody is Statuspage's component update notice.
func ComponentUpdateBody(meta SPMeta, page SPPage, c SPComponent, u SPComponentUpdate) ([]byte, error) {
	if u.ComponentType == "" {
		u.ComponentType = "Component"
	}
	meta.GeneratedAt = meta.GeneratedAt.UTC()
	return json.Marshal(spComponentBody{Meta: meta, Page: page, ComponentUpdate: u, Component: c})
}

// IncidentUpdateBody is Statuspage's incident update notice. incident is
// the incident object exactly as /api/v2/incidents.json serves it (its
// incident_updates newest first), so that the notice and the API never
// disagree on a field; it must be a JSON object.
func IncidentUpdateBody(meta SPMeta, page SPPage, incident json.RawMessage) ([]byte, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(incident, &probe); err != nil {
		return nil, errors.New("statuspage incident update: the incident is not a JSON object")
	}
	if _, ok := probe["incident_updates"]; !ok {
		return nil, errors.New("statuspage incident update: the incident has no incident_updates")
	}
	meta.GeneratedAt = meta.GeneratedAt.UTC()
	return json.Marshal(spIncidentBody{Meta: meta, Page: page, Incident: incident})
}
