package ui

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/availability"
)

// availabilityPage serves /availability: every component's availability
// this month, in each of the previous twelve and over the last 90 days,
// against its SLO.
func (s *site) availabilityPage(c echo.Context) error {
	return s.serve(c, "availability", echo.MIMETextHTMLCharsetUTF8, pageCacheControl, func() ([]byte, error) {
		v, err := s.availabilityView(c.Request().Context())
		if err != nil {
			return nil, err
		}
		return s.pages.render("availability", v)
	})
}

func (s *site) availabilityView(ctx context.Context) (availabilityView, error) {
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
		Site: s.siteView(now), Weight: strconv.FormatFloat(s.weight(), 'f', -1, 64), SLO: percentText(cfg.Site.SLO),
		Export: "/api/v1/availability?" + url.Values{"from": {months[len(months)-1].FirstDay}, "to": {months[0].LastDay}}.Encode(),
	}
	for _, t := range cfg.Availability.Credits {
		v.Credits = append(v.Credits, fmt.Sprintf("below %s: %s credit", percentText(t.Below), percentText(t.Credit)))
	}
	for _, m := range months {
		v.Months = append(v.Months, monthLabel(m))
	}
	for _, g := range groupsOfReport(reports, cfg.Site.SLO) {
		gv := availGroupView{Name: g.Name}
		for j, gs := range g.Spans {
			c := monthCell{}
			c.Pct, c.Class = pctClass(gs.Availability, gs.Known, gs.Met)
			// A group has no budget of its own: while its month runs, it
			// is below its SLO so far.
			c.Missed = missedWords(gs.Known && !gs.Met, months[j].Running())
			gv.Months = append(gv.Months, c)
		}
		v.Groups = append(v.Groups, gv)
	}
	for _, r := range reports {
		cv := availCompView{
			Slug: r.Comp.Slug, Name: r.Comp.Name, Group: r.Comp.Group, SLO: percentText(cfg.ComponentSLO(r.Comp)),
			This: figOf(r.Spans[0]), Window: cellOf(window[r.Comp.Slug]),
		}
		cv.Months = make([]monthCell, len(r.Spans))
		for j, f := range r.Spans {
			cv.Months[j] = cellOf(f)
			cv.Months[j].Link = "/availability/" + r.Comp.Slug + "/" + months[j].FirstDay[:7]
		}
		cv.Cells, cv.Row = cellsHTML(cv.Months), thisRowHTML(cv)
		v.Components = append(v.Components, cv)
	}
	return v, nil
}
