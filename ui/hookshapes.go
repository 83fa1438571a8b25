package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/subhook"
)

// HookShapes gives the subscriber webhooks (pkg/subhook) the objects of
// the public JSON API, so that a notice and /api/v2 never disagree on a
// field: the page's status, a component as components.json serves it, an
// incident as incidents.json does. siteURL is the site's address in
// links.
type HookShapes struct {
	d   Deps
	url string
}

// NewHookShapes returns the shapes of d's site at siteURL.
func NewHookShapes(d Deps, siteURL string) HookShapes {
	return HookShapes{d: d, url: strings.TrimRight(siteURL, "/")}
}

func (h HookShapes) base() base { return base{URL: h.url} }

// Page is the "page" object with the page's status now.
func (h HookShapes) Page() channel.SPPage {
	ov := overallOf(h.d.Engine.Components())
	return channel.SPPage{ID: pageID(h.d), StatusIndicator: ov.Indicator, StatusDescription: ov.Description}
}

// Component is a component by slug, its status as the page shows it now.
func (h HookShapes) Component(slug string) channel.SPComponent {
	for _, c := range componentsBodyOf(h.d, h.base(), h.d.Engine.Components()).Components {
		if c.ID == slug && !c.Group {
			out := channel.SPComponent{ID: c.ID, PageID: c.PageID, GroupID: c.GroupID, Name: c.Name, Description: c.Description,
				Status: c.Status, Position: c.Position, Showcase: c.Showcase}
			out.CreatedAt, _ = parseStamp(c.CreatedAt)
			out.UpdatedAt, _ = parseStamp(c.UpdatedAt)
			return out
		}
	}
	return channel.SPComponent{ID: slug, PageID: pageID(h.d), Name: slug, Status: "operational"}
}

// Incident is incident id in Statuspage's shape, with what a chat message
// shows: the update updateID's text (the latest when 0 or gone).
func (h HookShapes) Incident(ctx context.Context, id, updateID int64) (subhook.Incident, error) {
	inc, err := h.d.Store.Incident(ctx, id)
	if err != nil {
		return subhook.Incident{}, fmt.Errorf("incident %d: %w", id, err)
	}
	j := jsonShaper{d: h.d, base: h.base(), stamp: stampOf(h.d), comps: componentsBodyOf(h.d, h.base(), h.d.Engine.Components()).Components}
	shaped := j.incident(inc)
	js, err := json.Marshal(shaped)
	if err != nil {
		return subhook.Incident{}, err
	}
	out := subhook.Incident{JSON: js, Name: inc.Name, Status: shaped.Status, Impact: inc.Impact, Link: shaped.Shortlink}
	for _, u := range shaped.Updates {
		if out.Body == "" || u.ID == idString(updateID) {
			out.Body = u.Body
		}
	}
	return out, nil
}

// parseStamp reads a time the public JSON wrote.
func parseStamp(s string) (time.Time, error) { return time.Parse(timeLayout, s) }
