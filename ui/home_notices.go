package ui

import (
	"context"
	"html/template"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// incidentView is an open incident on the front page, its latest update
// first.
type incidentView struct {
	ID     int64
	Name   string
	Impact string // none, minor, major, critical: colours it
	// ImpactText says the impact in words, for those who cannot tell the
	// colours apart.
	ImpactText string
	Status     string
	// ETA is the estimated time of resolution; zero for none.
	ETA     time.Time
	Updates []updateView
}

// updateView is one timeline entry; Body is the sanitised HTML of the
// operator's Markdown.
type updateView struct {
	Status string
	At     time.Time
	Body   template.HTML
}

// windowView is a maintenance window on the front page.
type windowView struct {
	ID         int64
	Name       string
	Status     string
	InProgress bool
	For, Until time.Time
	Components []string
	Latest     *updateView
}

// statusText is a Statuspage status as the page says it.
func statusText(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// noticesOf reads the open incidents and the active and upcoming windows
// for the front page.
func (s *site) noticesOf(ctx context.Context, l loc) ([]incidentView, []windowView, error) {
	incs, err := s.unresolved(ctx)
	if err != nil {
		return nil, nil, err
	}
	active, upcoming, err := s.openWindows(ctx)
	if err != nil {
		return nil, nil, err
	}
	ivs := make([]incidentView, 0, len(incs))
	for _, inc := range incs {
		ivs = append(ivs, s.incidentViewOf(l, inc))
	}
	names := s.d.Config.ComponentNames()
	wvs := make([]windowView, 0, len(active)+len(upcoming))
	for _, m := range append(active, upcoming...) {
		wvs = append(wvs, s.windowViewOf(l, m, names))
	}
	return ivs, wvs, nil
}

func (s *site) incidentViewOf(l loc, inc store.Incident) incidentView {
	v := incidentView{ID: inc.ID, Name: inc.Name, Impact: inc.Impact, ImpactText: l.Impact(inc.Impact), Status: l.Status(inc.Status)}
	if !inc.ETA.IsZero() {
		v.ETA = inc.ETA.In(s.loc())
	}
	ups := latestFirst(inc.Updates, func(u store.IncidentUpdate) time.Time { return u.At }, func(u store.IncidentUpdate) int64 { return u.ID })
	for _, u := range ups {
		v.Updates = append(v.Updates, updateView{Status: l.Status(u.Status), At: u.At.In(s.loc()), Body: s.render(u.Body)})
	}
	return v
}

func (s *site) windowViewOf(l loc, m store.Maintenance, names map[string]string) windowView {
	v := windowView{
		ID: m.ID, Name: m.Name, Status: l.Status(m.Status), InProgress: m.Status != incident.Scheduled,
		For: m.ScheduledFor.In(s.loc()), Until: m.ScheduledUntil.In(s.loc()),
	}
	for _, id := range m.ComponentIDs {
		if n, ok := names[id]; ok {
			v.Components = append(v.Components, n)
		}
	}
	ups := latestFirst(m.Updates, func(u store.MaintenanceUpdate) time.Time { return u.At }, func(u store.MaintenanceUpdate) int64 { return u.ID })
	if len(ups) > 0 {
		v.Latest = &updateView{Status: l.Status(ups[0].Status), At: ups[0].At.In(s.loc()), Body: s.render(ups[0].Body)}
	}
	return v
}

// render is the operator's Markdown as safe HTML, rendered once per
// distinct text.
func (s *site) render(src string) template.HTML { return s.md.render(src) }

// impactText is an impact in words.
func impactText(impact string) string {
	if impact == "" || impact == incident.ImpactNone {
		return "No impact"
	}
	return statusText(impact) + " impact"
}
