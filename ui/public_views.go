package ui

import (
	"cmp"
	"html/template"
	"time"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// stampView is a time for a <time datetime> element: the machine form and
// the text shown, which names its zone and the year (history spans years).
type stampView struct {
	ISO, Text string
}

// stampIn formats t in zone; the zero time gives the zero stampView.
func stampIn(l loc, t time.Time, zone *time.Location) stampView {
	if t.IsZero() {
		return stampView{}
	}
	t = t.In(zone)
	return stampView{ISO: t.Format(time.RFC3339), Text: l.Stamp(t)}
}

// durationOf says how long an incident lasted, or has lasted so far.
func (s *site) durationOf(l loc, inc store.Incident) string {
	if inc.Status != incident.Resolved {
		return l.T("incident.so_far", "Duration", l.Duration(s.d.Now().Sub(inc.Started)))
	}
	return l.Duration(inc.Resolved.Sub(inc.Started))
}

// componentStatusView is a component with a Statuspage status, in words
// and as the class that colours it.
type componentStatusView struct {
	Name, Text, Class string
}

// componentStatus names a component status an incident sets.
func componentStatus(l loc, name, statuspage string) componentStatusView {
	lv, err := status.ParseStatuspage(statuspage)
	if err != nil {
		return componentStatusView{Name: name, Text: l.Status(statuspage), Class: classOf(status.NoData)}
	}
	return componentStatusView{Name: name, Text: l.Level(lv), Class: classOf(lv)}
}

// componentChange is a component status change an update made.
type componentChange struct {
	Name     string
	From, To componentStatusView
}

// timelineView is one update on a detail page.
type timelineView struct {
	Status  string
	At      stampView
	Body    template.HTML
	Changes []componentChange
}

// incidentFacts are what the history list and the incident page both
// say of an incident.
type incidentFacts struct {
	ID                int64
	Name              string
	Impact            string
	ImpactText        string
	Status            string
	Open              bool
	Started, Resolved stampView
	Duration          string
}

func (s *site) incidentFactsOf(l loc, inc store.Incident) incidentFacts {
	zone := s.loc()
	return incidentFacts{ID: inc.ID, Name: inc.Name, Impact: inc.Impact, ImpactText: l.Impact(inc.Impact),
		Status: l.Status(inc.Status), Open: inc.Status != incident.Resolved,
		Started: stampIn(l, inc.Started, zone), Resolved: stampIn(l, inc.Resolved, zone), Duration: s.durationOf(l, inc)}
}

// incidentDetail is everything the incident page shows.
type incidentDetail struct {
	incidentFacts
	ETA          stampView
	Components   []componentStatusView
	Updates      []timelineView
	Postmortem   template.HTML
	PostmortemAt stampView
}

// nameOf is a component's name, or its id once it left the config.
func nameOf(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return id
}

// incidentDetailOf shapes an incident for its page; comps are the page's
// components, in page order.
func (s *site) incidentDetailOf(l loc, inc store.Incident, comps []state.Component) incidentDetail {
	zone := s.loc()
	v := incidentDetail{incidentFacts: s.incidentFactsOf(l, inc), Updates: s.timelineOf(l, inc, comps)}
	if v.Open {
		v.ETA = stampIn(l, inc.ETA, zone)
	}
	for _, c := range comps {
		if st, ok := inc.Components[c.Slug]; ok {
			v.Components = append(v.Components, componentStatus(l, c.Name, st))
		}
	}
	if inc.Postmortem != "" && !inc.PostmortemAt.IsZero() {
		v.Postmortem = s.render(inc.Postmortem)
		v.PostmortemAt = stampIn(l, inc.PostmortemAt, zone)
	}
	return v
}

// statusMove is a component's status change in an incident update.
type statusMove struct {
	index    int
	from, to string
}

// statusMoves returns, for each of updates (oldest first, as stored), the
// changes it made to the components in comps, in comps' order; a move's
// index points into comps. The walk goes oldest first to know each
// change's old status, "operational" before the first.
func statusMoves(updates []store.IncidentUpdate, comps []string) [][]statusMove {
	current := map[string]string{}
	out := make([][]statusMove, len(updates))
	for i, u := range updates {
		for j, id := range comps {
			to, ok := u.Components[id]
			if !ok {
				continue
			}
			out[i] = append(out[i], statusMove{index: j, from: cmp.Or(current[id], "operational"), to: to})
			current[id] = to
		}
	}
	return out
}

// timelineOf is an incident's updates newest first, each with the
// component changes it made.
func (s *site) timelineOf(l loc, inc store.Incident, comps []state.Component) []timelineView {
	ids := make([]string, len(comps))
	for i, c := range comps {
		ids[i] = c.Slug
	}
	moves := statusMoves(inc.Updates, ids)
	ups := make([]timelineView, 0, len(inc.Updates))
	for i, u := range inc.Updates {
		tv := timelineView{Status: l.Status(u.Status), At: stampIn(l, u.At, s.loc()), Body: s.render(u.Body)}
		for _, m := range moves[i] {
			tv.Changes = append(tv.Changes, componentChange{Name: comps[m.index].Name, From: componentStatus(l, "", m.from), To: componentStatus(l, "", m.to)})
		}
		ups = append(ups, tv)
	}
	order := latestFirst(indexes(len(ups)), func(i int) time.Time { return inc.Updates[i].At }, func(i int) int64 { return inc.Updates[i].ID })
	out := make([]timelineView, 0, len(ups))
	for _, i := range order {
		out = append(out, ups[i])
	}
	return out
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
