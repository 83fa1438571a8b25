package ui

import (
	"context"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// recentChanges is how many of a component's state changes its page lists,
// from the last changesWindow; the first shownChanges are open, the rest
// folded (a flapping service would otherwise fill the page).
const (
	recentChanges = 50
	shownChanges  = 5
	changesWindow = 90 * 24 * time.Hour
)

// componentView is the page of one component.
type componentView struct {
	Site    siteView
	Row     rowView
	Group   string
	Updated time.Time
	Checks  []checkView
	Charts  []chartView
	Metrics []metricView
	// Changes are the newest shownChanges changes, Earlier the rest,
	// newest first.
	Changes, Earlier []changeView
	// Days is the daily record behind the bar, newest first.
	Days []dayView
}

// checkView is one check's state in each zone. Only the short public
// reason of a result is shown, never its detail or target.
type checkView struct {
	Name        string
	Text, Class string
	// Reporting says how many of the check's zones send fresh results
	// ("2 of 3 zones reporting"): a stale zone counts in no quorum.
	Reporting string
	Zones     []zoneView
}

// zoneView is a check in one zone. Pods are numbered, never named: an
// instance's address is an internal target.
type zoneView struct {
	Zone        string
	Text, Class string
	Reason      string
	Stale       bool
	Since       time.Time
	LastAt      time.Time
	Pods        []podView
	Healthy     int
}

type podView struct {
	N           int
	Text, Class string
	Reason      string
}

type changeView struct {
	At              time.Time
	FromText, From  string
	ToText, ToClass string
	Cause           string
}

func (s *site) component(c echo.Context) error {
	slug := c.Param("slug")
	comp, ok := s.d.Engine.Component(slug)
	if !ok {
		return s.notFound(c, "notfound.component", "Slug", slug)
	}
	return s.page(c, "component/"+slug, func(l loc) ([]byte, error) {
		v, err := s.componentView(c.Request().Context(), l, comp)
		if err != nil {
			return nil, err
		}
		v.Site = s.siteIn(c, l)
		return s.pages.renderIn("component", l, v)
	})
}

func (s *site) componentView(ctx context.Context, l loc, comp state.Component) (componentView, error) {
	now := s.now()
	hist, err := s.history(ctx, now, []state.Component{comp})
	if err != nil {
		return componentView{}, err
	}
	v := componentView{
		Site: s.siteView(now), Row: rowOf(l, comp, hist[comp.Slug], s.weight()), Group: comp.Group, Updated: s.updated(),
	}
	v.Row.Since = v.Row.Since.In(s.loc())
	v.Days = daysOf(l, hist[comp.Slug], s.weight(), comp.Level)
	for _, chk := range comp.Checks {
		cv := checkView{Name: chk.Name, Text: l.Level(chk.Level), Class: classOf(chk.Level)}
		fresh := 0
		for _, z := range chk.Zones {
			cv.Zones = append(cv.Zones, s.zoneView(l, z))
			if z.Fresh {
				fresh++
			}
		}
		cv.Reporting = l.T("component.reporting", "Fresh", fresh, "Count", len(chk.Zones))
		v.Checks = append(v.Checks, cv)
	}
	if v.Charts, err = s.charts(ctx, l, comp, now); err != nil {
		return componentView{}, err
	}
	if v.Metrics, err = s.metrics(ctx, l, comp, now); err != nil {
		return componentView{}, err
	}
	if v.Changes, err = s.changes(ctx, l, comp.Slug, now); err != nil {
		return componentView{}, err
	}
	if len(v.Changes) > shownChanges {
		v.Changes, v.Earlier = v.Changes[:shownChanges], v.Changes[shownChanges:]
	}
	return v, nil
}

// charts draws the last 24 hours and 7 days of the component's checks.
func (s *site) charts(ctx context.Context, l loc, comp state.Component, now time.Time) ([]chartView, error) {
	end := now.Truncate(time.Hour).Add(time.Hour)
	week := end.Add(-7 * 24 * time.Hour)
	var rows []store.LatencyHour
	if s.d.Store != nil {
		for _, chk := range comp.Checks {
			r, err := s.d.Store.LatencyHours(ctx, chk.Name, week, end)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r...)
		}
	}
	day := end.Add(-24 * time.Hour)
	return []chartView{
		latencyChart(l, l.T("chart.last_24h"), rows, day, end),
		latencyChart(l, l.T("chart.last_7d"), rows, week, end),
	}, nil
}

// changes lists the component's newest state changes, newest first.
func (s *site) changes(ctx context.Context, l loc, slug string, now time.Time) ([]changeView, error) {
	if s.d.Store == nil {
		return nil, nil
	}
	all, err := s.d.Store.Changes(ctx, status.Component, slug, now.Add(-changesWindow), now.Add(time.Second))
	if err != nil {
		return nil, err
	}
	if len(all) > recentChanges {
		all = all[len(all)-recentChanges:]
	}
	slices.Reverse(all)
	out := make([]changeView, 0, len(all))
	for _, ch := range all {
		out = append(out, changeView{
			At: ch.At.In(s.loc()), FromText: l.Level(ch.From), From: classOf(ch.From),
			ToText: l.Level(ch.To), ToClass: classOf(ch.To), Cause: l.Cause(ch.Cause),
		})
	}
	return out, nil
}

func (s *site) zoneView(l loc, z state.Zone) zoneView {
	v := zoneView{
		Zone: z.Zone, Text: l.Level(z.Level), Class: classOf(z.Level), Stale: z.Stale,
		Since: z.Since.In(s.loc()), LastAt: z.Last.Start.In(s.loc()),
	}
	if z.Level != status.Up {
		v.Reason = z.Last.Reason
	}
	if z.Stale {
		v.Text, v.Reason = l.T("component.stale"), l.T("component.stale_reason")
	}
	for i, p := range z.Pods {
		v.Pods = append(v.Pods, podView{N: i + 1, Text: l.Level(p.Outcome), Class: classOf(p.Outcome), Reason: p.Reason})
		if p.Outcome == status.Up || p.Outcome == status.Degraded {
			v.Healthy++
		}
	}
	return v
}
