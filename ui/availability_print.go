package ui

import (
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/i18n"
)

// printView is the printable report (format=html): the API's figures as
// a page whose print style sheet leaves out everything but the report.
type printView struct {
	Site       siteView
	From, To   string
	Zone       string
	Weight     string
	Generated  time.Time
	Components []printComponent
	// CSV is the same report's CSV link.
	CSV string
}

type printComponent struct {
	ID, Name, SLO string
	Rows          []printRow
}

type printRow struct {
	Month, Pct, Met                               string
	Major, Partial, Downtime, Maintenance, NoData string
	Credit                                        string
	Class                                         string
	Total                                         bool
}

func (s *site) availabilityPrint(c echo.Context, l loc, body reportJSON, q reportQuery, now time.Time) ([]byte, error) {
	v := printView{
		Site: s.siteIn(c, l), From: dateText(l, body.From), To: dateText(l, body.To), Zone: body.TimeZone,
		Weight: l.decimal(strconv.FormatFloat(body.PartialWeight, 'f', -1, 64)), Generated: now,
	}
	csv := url.Values{"from": {body.From}, "to": {body.To}, "format": {"csv"}}
	if q.Component != "" {
		csv.Set("component", q.Component)
	}
	v.CSV = "/api/v1/availability?" + csv.Encode()
	for _, comp := range body.Components {
		pc := printComponent{ID: comp.ID, Name: comp.Name, SLO: percentText(l, comp.SLO)}
		for _, m := range comp.Months {
			pc.Rows = append(pc.Rows, printRowOf(l, m, monthText(l, m.Month)))
		}
		total := printRowOf(l, comp.Total, l.T("avail.whole_period"))
		total.Total = true
		pc.Rows = append(pc.Rows, total)
		v.Components = append(v.Components, pc)
	}
	return s.pages.renderIn("availability_print", l, v)
}

// dateText writes a report's "2026-11-01" as the reader's language does.
func dateText(l loc, day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return i18n.Date(l.Lang, t)
}

// monthText writes a report's month "2026-11" as the reader's language
// does ("November 2026", "noviembre de 2026").
func monthText(l loc, month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return i18n.MonthYear(l.Lang, t)
}

func printRowOf(l loc, f figuresJSON, label string) printRow {
	mins := func(sec float64) string { return minutesText(l, time.Duration(sec*float64(time.Second))) }
	r := printRow{
		Month: label, Pct: l.T("avail.no_data"), Met: "–", Class: "a-none",
		Major: mins(f.MajorSeconds), Partial: mins(f.PartialSeconds), Downtime: mins(f.DowntimeSeconds),
		Maintenance: mins(f.MaintenanceSeconds), NoData: mins(f.NoDataSeconds), Credit: "–",
	}
	if f.Availability != nil {
		r.Pct = l.Pct(*f.Availability, 4)
		r.Met, r.Class = l.T("verdict."+f.SLOStatus), "a-missed"
		if f.SLOMet {
			r.Class = "a-met"
		}
	}
	if f.CreditPercent > 0 {
		r.Credit = percentText(l, f.CreditPercent)
	}
	return r
}
