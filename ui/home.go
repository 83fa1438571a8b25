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
	Level       status.Level // a group's: the worst of its components'
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
	return s.page(c, "home", func(l loc) ([]byte, error) {
		v, err := s.homeView(c.Request().Context(), l, s.siteIn(c, l))
		if err != nil {
			return nil, err
		}
		return s.pages.renderIn("home", l, v)
	})
}

func (s *site) homeView(ctx context.Context, l loc, site siteView) (homeView, error) {
	now := s.now()
	comps := s.d.Engine.Summaries() // the page shows no check
	hist, err := s.history(ctx, now, comps)
	if err != nil {
		return homeView{}, err
	}
	incs, wins, err := s.noticesOf(ctx, l)
	if err != nil {
		return homeView{}, err
	}
	ov := overallOf(comps)
	v := homeView{
		Site: site, Overall: ov, Class: classOf(ov.Level),
		Updated: s.updated(), Incidents: incs, Maintenances: wins,
	}
	v.Overall.Description = l.T("overall." + ov.key())
	v.Groups = groupsOf(l, comps, hist, s.weight())
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
func groupsOf(l loc, comps []state.Component, hist map[string][]availability.Day, w float64) []groupView {
	var out []groupView
	at := map[string]int{}
	levels := map[string]status.Level{}
	for _, comp := range comps {
		row := rowOf(l, comp, hist[comp.Slug], w)
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
		lv := levels[name]
		out[i].Level, out[i].Text, out[i].Class = lv, l.Level(lv), classOf(lv)
		out[i].Open = lv != status.Up
	}
	return out
}
