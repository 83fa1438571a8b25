package ui

import (
	"net/url"
	"strconv"
	"strings"
	"time"
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

func (s *site) availabilityPrint(body reportJSON, q reportQuery, now time.Time) ([]byte, error) {
	v := printView{
		Site: s.siteView(now), From: body.From, To: body.To, Zone: body.TimeZone,
		Weight: strconv.FormatFloat(body.PartialWeight, 'f', -1, 64), Generated: now,
	}
	csv := url.Values{"from": {body.From}, "to": {body.To}, "format": {"csv"}}
	if q.Component != "" {
		csv.Set("component", q.Component)
	}
	v.CSV = "/api/v1/availability?" + csv.Encode()
	for _, comp := range body.Components {
		pc := printComponent{ID: comp.ID, Name: comp.Name, SLO: percentText(comp.SLO)}
		for _, m := range comp.Months {
			pc.Rows = append(pc.Rows, printRowOf(m, m.Month))
		}
		total := printRowOf(comp.Total, "Whole period")
		total.Total = true
		pc.Rows = append(pc.Rows, total)
		v.Components = append(v.Components, pc)
	}
	return s.pages.render("availability_print", v)
}

func printRowOf(f figuresJSON, label string) printRow {
	mins := func(sec float64) string { return minutesText(time.Duration(sec * float64(time.Second))) }
	r := printRow{
		Month: label, Pct: "no data", Met: "–", Class: "a-none",
		Major: mins(f.MajorSeconds), Partial: mins(f.PartialSeconds), Downtime: mins(f.DowntimeSeconds),
		Maintenance: mins(f.MaintenanceSeconds), NoData: mins(f.NoDataSeconds), Credit: "–",
	}
	if f.Availability != nil {
		r.Pct = strconv.FormatFloat(*f.Availability, 'f', 4, 64) + "%"
		r.Met, r.Class = strings.ReplaceAll(f.SLOStatus, "_", " "), "a-missed"
		if f.SLOMet {
			r.Class = "a-met"
		}
	}
	if f.CreditPercent > 0 {
		r.Credit = percentText(f.CreditPercent)
	}
	return r
}
