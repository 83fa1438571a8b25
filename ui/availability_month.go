package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// monthView is the breakdown of one component's month: its figures and
// every outage with what caused it.
type monthView struct {
	Site    siteView
	Slug    string
	Name    string
	Month   string
	SLO     string
	Fig     figView
	Outages []outageView
	// Excluded lists maintenance and no-data stretches.
	Excluded []excludedView
	// Prev and Next link the neighbouring months ("" for none).
	Prev, Next string
}

// outageView is one stretch of outage.
type outageView struct {
	From, To       time.Time
	Length         string
	Major, Partial string
	Downtime       string
	Ongoing        bool
	Causes         []causeView
	Checks         []causeView
}

// excludedView is one stretch left out of the availability.
type excludedView struct {
	From, To    time.Time
	Length      string
	Text, Class string
	Cause       string
	Link        string
}

// causeView is one change that explains an outage.
type causeView struct {
	At          time.Time
	Text, Class string
	Subject     string
	Cause       string
	// Link is the incident or maintenance page the cause names, if any.
	Link string
}

func (s *site) availabilityMonth(c echo.Context) error {
	slug, month := c.Param("slug"), c.Param("month")
	comp := s.configComponent(slug)
	if comp == nil {
		return s.notFound(c, "notfound.component", "Slug", slug)
	}
	first, err := time.Parse("2006-01", month)
	if err != nil {
		return s.notFound(c, "notfound.month", "Month", month)
	}
	if y, m, _ := s.now().Date(); first.Year() < 2000 || first.After(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)) {
		return s.notFound(c, "notfound.no_report", "Month", month)
	}
	l := s.langOf(c)
	addVary(c.Response().Header(), "Accept-Language")
	return s.serveReport(c, "availability/"+slug+"/"+month+l.key(), echo.MIMETextHTMLCharsetUTF8, func() ([]byte, error) {
		v, err := s.monthView(c.Request().Context(), l, comp, first)
		if err != nil {
			return nil, err
		}
		v.Site = s.siteIn(c, l)
		return s.pages.renderIn("availability_month", l, v)
	})
}

// serveReport answers from the reports cache, building with build on a
// miss; like serve, but apart from the pages.
func (s *site) serveReport(c echo.Context, key, contentType string, build func() ([]byte, error)) error {
	r, err := s.reports.get(key, s.version(), s.d.Now(), contentType, build)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", pageCacheControl)
	return sendCached(c, &r.sendable)
}

// configComponent returns the configured component with slug, or nil.
func (s *site) configComponent(slug string) *config.Component {
	for i := range s.d.Config.Components {
		if s.d.Config.Components[i].Slug == slug {
			return &s.d.Config.Components[i]
		}
	}
	return nil
}

func (s *site) monthView(ctx context.Context, l loc, comp *config.Component, first time.Time) (monthView, error) {
	now := s.now()
	span := availability.Month(first.Year(), first.Month(), s.loc(), now)
	reports, err := s.report(ctx, []availability.Span{span}, comp.Slug)
	if err != nil {
		return monthView{}, err
	}
	v := monthView{
		Site: s.siteView(now), Slug: comp.Slug, Name: comp.Name, Month: monthLabel(l, span),
		SLO: percentText(l, s.d.Config.ComponentSLO(comp)), Fig: figOf(l, reports[0].Spans[0]),
		Prev: "/availability/" + comp.Slug + "/" + first.AddDate(0, -1, 0).Format("2006-01"),
	}
	if next := first.AddDate(0, 1, 0); !availability.Month(next.Year(), next.Month(), s.loc(), now).From.After(now) {
		v.Next = "/availability/" + comp.Slug + "/" + next.Format("2006-01")
	}
	if s.d.Store == nil || !span.To.After(span.From) {
		return v, nil
	}
	tl, err := availability.Load(ctx, s.d.Store, comp.Slug, span)
	if err != nil {
		return monthView{}, err
	}
	for _, o := range tl.Outages() {
		ov := outageView{
			From: o.From.In(s.loc()), To: o.To.In(s.loc()), Length: minutesText(l, o.To.Sub(o.From)),
			Major: minutesText(l, o.Major), Partial: minutesText(l, o.Partial),
			Downtime: minutesText(l, o.Bad(s.weight())), Ongoing: o.Ongoing,
		}
		for _, ch := range o.Causes {
			ov.Causes = append(ov.Causes, s.causeOf(l, ch))
		}
		if ov.Checks, err = s.checkCauses(ctx, l, comp, o); err != nil {
			return monthView{}, err
		}
		v.Outages = append(v.Outages, ov)
	}
	for _, x := range tl.Excluded() {
		ev := excludedView{
			From: x.From.In(s.loc()), To: x.To.In(s.loc()), Length: minutesText(l, x.To.Sub(x.From)),
			Text: l.Level(x.Level), Class: classOf(x.Level), Cause: l.Cause(x.Cause.Cause), Link: causeLink(x.Cause.Cause),
		}
		if !x.Known {
			ev.Cause = l.T("avail.not_begun")
		}
		v.Excluded = append(v.Excluded, ev)
	}
	return v, nil
}

// checkCauses lists what the component's checks did during an outage:
// the state each was in when it began, if bad, and their changes within.
func (s *site) checkCauses(ctx context.Context, l loc, comp *config.Component, o availability.Outage) ([]causeView, error) {
	var out []causeView
	for _, chk := range comp.Checks {
		before, ok, err := s.d.Store.ChangeBefore(ctx, status.Check, chk.Name, o.From.Add(time.Millisecond))
		if err != nil {
			return nil, err
		}
		if ok && (before.To == status.Partial || before.To == status.Down) {
			out = append(out, s.causeOf(l, before))
		}
		within, err := s.d.Store.Changes(ctx, status.Check, chk.Name, o.From.Add(time.Millisecond), o.To)
		if err != nil {
			return nil, err
		}
		for _, ch := range within {
			out = append(out, s.causeOf(l, ch))
		}
	}
	return out, nil
}

func (s *site) causeOf(l loc, ch status.Change) causeView {
	return causeView{At: ch.At.In(s.loc()), Text: l.Level(ch.To), Class: classOf(ch.To), Subject: ch.Subject, Cause: l.Cause(ch.Cause), Link: causeLink(ch.Cause)}
}

// causeLink is the page of the incident or maintenance a change's cause
// names ("incident 12: …", "maintenance 3: …", as pkg/overlay writes
// them), or "".
func causeLink(cause string) string {
	for prefix, path := range map[string]string{"incident ": "/incidents/", "maintenance ": "/maintenance/"} {
		rest, ok := strings.CutPrefix(cause, prefix)
		if !ok {
			continue
		}
		id, _, ok := strings.Cut(rest, ":")
		if n, err := strconv.ParseInt(id, 10, 64); ok && err == nil && n > 0 {
			return path + id
		}
	}
	return ""
}
