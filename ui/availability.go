package ui

import (
	"context"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/availability"
)

// availabilityPage serves /availability: every component's availability
// this month, in each of the previous twelve and over the last 90 days,
// against its SLO.
func (s *site) availabilityPage(c echo.Context) error {
	return s.page(c, "availability", func(l loc) ([]byte, error) {
		v, err := s.availabilityView(c.Request().Context(), l)
		if err != nil {
			return nil, err
		}
		v.Site = s.siteIn(c, l)
		return s.pages.renderIn("availability", l, v)
	})
}

func (s *site) availabilityView(ctx context.Context, l loc) (availabilityView, error) {
	now := s.now()
	months := availability.Months(now, s.loc(), reportMonths)
	by, err := s.monthly(ctx, months)
	if err != nil {
		return availabilityView{}, err
	}
	reports := s.reportFrom(by, months, "")
	// The window's months all lie within the report's thirteen.
	window, err := s.window(ctx, availability.LastDays(now, s.loc(), reportDays), by)
	if err != nil {
		return availabilityView{}, err
	}
	cfg := s.d.Config
	v := availabilityView{
		Site: s.siteView(now), Weight: l.decimal(strconv.FormatFloat(s.weight(), 'f', -1, 64)), SLO: percentText(l, cfg.Site.SLO),
		Export: "/api/v1/availability?" + url.Values{"from": {months[len(months)-1].FirstDay}, "to": {months[0].LastDay}}.Encode(),
	}
	for _, t := range cfg.Availability.Credits {
		v.Credits = append(v.Credits, l.T("avail.credit_rule", "Below", percentText(l, t.Below), "Credit", percentText(l, t.Credit)))
	}
	for _, m := range months {
		v.Months = append(v.Months, monthLabel(l, m))
	}
	for _, g := range groupsOfReport(reports, cfg.Site.SLO) {
		gv := availGroupView{Name: g.Name}
		for j, gs := range g.Spans {
			c := monthCell{}
			c.Pct, c.Class = pctClass(l, gs.Availability, gs.Known, gs.Met)
			// A group has no budget of its own: while its month runs, it
			// is below its SLO so far.
			c.Missed = missedWords(l, gs.Known && !gs.Met, months[j].Running())
			gv.Months = append(gv.Months, c)
		}
		v.Groups = append(v.Groups, gv)
	}
	for _, r := range reports {
		cv := availCompView{
			Slug: r.Comp.Slug, Name: r.Comp.Name, Group: r.Comp.Group, SLO: percentText(l, cfg.ComponentSLO(r.Comp)),
			This: figOf(l, r.Spans[0]), Window: cellOf(l, window[r.Comp.Slug]),
		}
		cv.Months = make([]monthCell, len(r.Spans))
		for j, f := range r.Spans {
			cv.Months[j] = cellOf(l, f)
			cv.Months[j].Link = "/availability/" + r.Comp.Slug + "/" + months[j].FirstDay[:7]
		}
		cv.Cells, cv.Row = cellsHTML(l, cv.Months), thisRowHTML(l, cv)
		v.Components = append(v.Components, cv)
	}
	return v, nil
}
