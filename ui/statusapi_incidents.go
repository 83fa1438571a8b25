package ui

import (
	"time"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// incidentJSON is a Statuspage v2 incident; scheduled maintenances add
// their window.
type incidentJSON struct {
	ID             string               `json:"id"`
	Name           string               `json:"name"`
	Status         string               `json:"status"`
	CreatedAt      string               `json:"created_at"`
	UpdatedAt      string               `json:"updated_at"`
	MonitoringAt   *string              `json:"monitoring_at"`
	ResolvedAt     *string              `json:"resolved_at"`
	Impact         string               `json:"impact"`
	Shortlink      string               `json:"shortlink"`
	StartedAt      string               `json:"started_at"`
	PageID         string               `json:"page_id"`
	Updates        []incidentUpdateJSON `json:"incident_updates"`
	Components     []component          `json:"components"`
	ScheduledFor   string               `json:"scheduled_for,omitempty"`
	ScheduledUntil string               `json:"scheduled_until,omitempty"`
	// The postmortem, as Statuspage's incident carries it: the Markdown
	// as written and when it was published (null until then; Ampel does
	// not tell an edit from a publication, so both times are the same).
	PostmortemBody        *string `json:"postmortem_body"`
	PostmortemUpdatedAt   *string `json:"postmortem_body_last_updated_at"`
	PostmortemPublishedAt *string `json:"postmortem_published_at"`
}

// incidentUpdateJSON is one entry of its timeline. Body is the
// operator's Markdown as written, as Statuspage serves it.
type incidentUpdateJSON struct {
	ID                   string         `json:"id"`
	Status               string         `json:"status"`
	Body                 string         `json:"body"`
	IncidentID           string         `json:"incident_id"`
	CreatedAt            string         `json:"created_at"`
	UpdatedAt            string         `json:"updated_at"`
	DisplayAt            string         `json:"display_at"`
	AffectedComponents   []affectedJSON `json:"affected_components"`
	DeliverNotifications bool           `json:"deliver_notifications"`
	CustomTweet          *string        `json:"custom_tweet"`
	TweetID              *string        `json:"tweet_id"`
}

// affectedJSON is a component status change an update made.
type affectedJSON struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	OldStatus string `json:"old_status"`
	NewStatus string `json:"new_status"`
}

// jsonShaper turns stored incidents and windows into Statuspage's shape,
// with the page's components as they are now.
type jsonShaper struct {
	d     Deps
	base  base // names the site in shortlinks
	stamp func(time.Time) string
	comps []component
}

func (s *site) shaper(b base) jsonShaper {
	return s.shaperOf(b, componentsBodyOf(s.d, b, s.d.Engine.Summaries()).Components)
}

// shaperOf is shaper over components the caller has shaped already.
func (s *site) shaperOf(b base, comps []component) jsonShaper {
	return jsonShaper{d: s.d, base: b, stamp: stampOf(s.d), comps: comps}
}

func (j jsonShaper) stampPtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := j.stamp(t)
	return &s
}

// components returns the page's components whose ids are in ids, in page
// order.
func (j jsonShaper) components(has func(id string) bool) []component {
	out := []component{}
	for _, c := range j.comps {
		if has(c.ID) {
			out = append(out, c)
		}
	}
	return out
}

// shortlink is the absolute address of an incident's or a window's page.
func (j jsonShaper) shortlink(kind string, id int64) string {
	return j.base.URL + "/" + kind + "/" + idString(id)
}

func (j jsonShaper) incident(inc store.Incident) incidentJSON {
	id := idString(inc.ID)
	out := incidentJSON{
		ID: id, Name: inc.Name, Status: inc.Status, Impact: inc.Impact,
		CreatedAt: j.stamp(inc.Created), UpdatedAt: j.stamp(inc.Updated), StartedAt: j.stamp(inc.Started),
		ResolvedAt: j.stampPtr(inc.Resolved), Shortlink: j.shortlink("incidents", inc.ID), PageID: pageID(j.d),
		Components: j.components(func(id string) bool { _, ok := inc.Components[id]; return ok }),
	}
	ids := make([]string, len(j.comps))
	for i, c := range j.comps {
		ids[i] = c.ID
	}
	moves := statusMoves(inc.Updates, ids)
	updates := make([]timed, 0, len(inc.Updates))
	for i, u := range inc.Updates {
		if u.Status == incident.Monitoring && out.MonitoringAt == nil {
			out.MonitoringAt = j.stampPtr(u.At)
		}
		uj := j.update(id, u.ID, u.Status, u.Body, u.DeliverNotifications, u.At, u.Created)
		for _, m := range moves[i] {
			c := j.comps[m.index]
			uj.AffectedComponents = append(uj.AffectedComponents, affectedJSON{Code: c.ID, Name: c.Name, OldStatus: m.from, NewStatus: m.to})
		}
		updates = append(updates, timed{u.At, u.ID, uj})
	}
	out.Updates = newestFirst(updates)
	if inc.Postmortem != "" && !inc.PostmortemAt.IsZero() {
		// Statuspage moves an incident to "postmortem" when one is
		// published.
		out.Status = "postmortem"
		out.PostmortemBody = &inc.Postmortem
		out.PostmortemUpdatedAt = j.stampPtr(inc.PostmortemAt)
		out.PostmortemPublishedAt = out.PostmortemUpdatedAt
	}
	return out
}

func (j jsonShaper) update(incID string, id int64, status, body string, notify bool, at, created time.Time) incidentUpdateJSON {
	return incidentUpdateJSON{
		ID: idString(id), Status: status, Body: body, IncidentID: incID,
		CreatedAt: j.stamp(created), UpdatedAt: j.stamp(created), DisplayAt: j.stamp(at),
		DeliverNotifications: notify,
	}
}

// timed is a shaped update with what orders the timeline.
type timed struct {
	at time.Time
	id int64
	u  incidentUpdateJSON
}

// newestFirst returns the updates latest display time first, as
// Statuspage lists them.
func newestFirst(ts []timed) []incidentUpdateJSON {
	ts = latestFirst(ts, func(t timed) time.Time { return t.at }, func(t timed) int64 { return t.id })
	out := make([]incidentUpdateJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.u)
	}
	return out
}

func (j jsonShaper) maintenance(m store.Maintenance) incidentJSON {
	id := idString(m.ID)
	in := func(id string) bool {
		for _, c := range m.ComponentIDs {
			if c == id {
				return true
			}
		}
		return false
	}
	out := incidentJSON{
		ID: id, Name: m.Name, Status: m.Status, Impact: "maintenance",
		CreatedAt: j.stamp(m.Created), UpdatedAt: j.stamp(m.Updated), StartedAt: j.stamp(m.ScheduledFor),
		Shortlink: j.shortlink("maintenance", m.ID), PageID: pageID(j.d), Components: j.components(in),
		ScheduledFor: j.stamp(m.ScheduledFor), ScheduledUntil: j.stamp(m.ScheduledUntil),
	}
	updates := make([]timed, 0, len(m.Updates))
	for i, u := range m.Updates {
		if u.Status == incident.Completed && out.ResolvedAt == nil {
			out.ResolvedAt = j.stampPtr(u.At)
		}
		uj := j.update(id, u.ID, u.Status, u.Body, u.DeliverNotifications, u.At, u.Created)
		for _, c := range out.Components {
			if i > 0 {
				break // the window's components, listed once
			}
			uj.AffectedComponents = append(uj.AffectedComponents, affectedJSON{Code: c.ID, Name: c.Name, OldStatus: "operational", NewStatus: "under_maintenance"})
		}
		updates = append(updates, timed{u.At, u.ID, uj})
	}
	out.Updates = newestFirst(updates)
	return out
}
