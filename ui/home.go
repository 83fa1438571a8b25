package ui

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

// homeView is the front page.
type homeView struct {
	Site    siteView
	Overall overall
	Class   string
	Updated time.Time
	Groups  []groupView
	// Incidents are the open ones; Maintenances the windows in progress,
	// then the upcoming ones.
	Incidents    []incidentView
	Maintenances []windowView
}

// groupView is a component group, or a lone component (Grouped false).
type groupView struct {
	ID, Name    string
	Grouped     bool
	Open        bool
	Text, Class string
	Rows        []rowView
}

type rowView struct {
	Slug, Name, Description string
	Text, Class             string
	Since                   time.Time
	Bar                     barView
	Uptime                  string
}

func (s *site) home(c echo.Context) error {
	return s.serve(c, "home", echo.MIMETextHTMLCharsetUTF8, pageCacheControl, func() ([]byte, error) {
		v, err := s.homeView(c.Request().Context())
		if err != nil {
			return nil, err
		}
		return s.pages.render("home", v)
	})
}

func (s *site) homeView(ctx context.Context) (homeView, error) {
	now := s.now()
	comps := s.d.Engine.Components()
	hist, err := s.history(ctx, now)
	if err != nil {
		return homeView{}, err
	}
	incs, wins, err := s.noticesOf(ctx)
	if err != nil {
		return homeView{}, err
	}
	ov := overallOf(comps)
	v := homeView{
		Site: s.siteView(now), Overall: ov, Class: classOf(ov.Level),
		Updated: s.updated(), Incidents: incs, Maintenances: wins,
	}
	v.Groups = groupsOf(comps, hist, s.weight())
	return v, nil
}

// updated is when the state last changed, or when serving began.
func (s *site) updated() time.Time {
	t := s.d.Engine.UpdatedAt()
	if t.IsZero() {
		t = s.d.Started
	}
	return t.In(s.loc())
}

// groupsOf lays out components in config order: a group where its first
// member is, showing the worst status of its members.
func groupsOf(comps []state.Component, hist map[string][]availability.Day, w float64) []groupView {
	var out []groupView
	at := map[string]int{}
	levels := map[string]status.Level{}
	for _, comp := range comps {
		row := rowOf(comp, hist[comp.Slug], w)
		if comp.Group == "" {
			out = append(out, groupView{ID: "component-" + comp.Slug, Name: comp.Name, Text: row.Text, Class: row.Class, Rows: []rowView{row}})
			continue
		}
		i, ok := at[comp.Group]
		if !ok {
			i = len(out)
			at[comp.Group] = i
			out = append(out, groupView{ID: "group-" + slugify(comp.Group), Name: comp.Group, Grouped: true})
		}
		out[i].Rows = append(out[i].Rows, row)
		levels[comp.Group] = status.Worst(levels[comp.Group], comp.Level)
	}
	for name, i := range at {
		l := levels[name]
		out[i].Text, out[i].Class = textOf(l), classOf(l)
		out[i].Open = l != status.Up
	}
	return out
}
