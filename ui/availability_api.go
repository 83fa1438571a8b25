package ui

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/availability"
)

// reportJSON is the body of /api/v1/availability.
type reportJSON struct {
	From          string          `json:"from"`
	To            string          `json:"to"`
	TimeZone      string          `json:"time_zone"`
	PartialWeight float64         `json:"partial_weight"`
	Components    []componentJSON `json:"components"`
}

type componentJSON struct {
	ID     string        `json:"id"`
	Name   string        `json:"name"`
	Group  string        `json:"group,omitempty"`
	SLO    float64       `json:"slo"`
	Total  figuresJSON   `json:"total"`
	Months []figuresJSON `json:"months"`
}

// figuresJSON is one span's figures. Times are in seconds (to the
// millisecond); availability and shares in percent. Availability is null
// when nothing was observed.
type figuresJSON struct {
	Month        string   `json:"month,omitempty"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	Availability *float64 `json:"availability"`
	SLOMet       bool     `json:"slo_met"`
	// SLOStatus is verdictOf: met, missed, below_so_far or no_data.
	SLOStatus          string  `json:"slo_status"`
	PeriodSeconds      float64 `json:"period_seconds"`
	MajorSeconds       float64 `json:"major_outage_seconds"`
	PartialSeconds     float64 `json:"partial_outage_seconds"`
	DowntimeSeconds    float64 `json:"downtime_seconds"`
	MaintenanceSeconds float64 `json:"maintenance_seconds"`
	NoDataSeconds      float64 `json:"no_data_seconds"`
	BudgetSeconds      float64 `json:"error_budget_seconds"`
	BudgetLeftSeconds  float64 `json:"error_budget_left_seconds"`
	BudgetLeftPercent  float64 `json:"error_budget_left_percent"`
	BurnRate           float64 `json:"burn_rate"`
	CreditPercent      float64 `json:"credit_percent"`
}

func secs(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

func figuresOf(f availability.Figures, sp availability.Span, loc *time.Location) figuresJSON {
	j := figuresJSON{
		From: sp.From.In(loc).Format(time.RFC3339), To: sp.To.In(loc).Format(time.RFC3339),
		SLOMet: f.Met, SLOStatus: verdictOf(f), PeriodSeconds: secs(f.Period), MajorSeconds: secs(f.Major), PartialSeconds: secs(f.Partial),
		DowntimeSeconds: secs(f.Bad), MaintenanceSeconds: secs(f.Maintenance), NoDataSeconds: secs(f.NoData),
		BudgetSeconds: secs(f.Budget), BudgetLeftSeconds: secs(f.BudgetLeft),
		BudgetLeftPercent: math.Round(f.BudgetLeftShare*1e6) / 1e4, BurnRate: math.Round(f.Burn*1e4) / 1e4,
		CreditPercent: f.Credit,
	}
	j.Availability = percentOf(f)
	return j
}

// percentOf is the availability in percent to six decimals, nil when
// nothing was observed.
func percentOf(f availability.Figures) *float64 {
	if !f.Known {
		return nil
	}
	a := math.Round(f.Availability*1e8) / 1e6
	return &a
}

// availabilityAPI serves /api/v1/availability as JSON, CSV or a printable
// page.
func (s *site) availabilityAPI(c echo.Context) error {
	now := s.now()
	q, bad := parseReportQuery(c.QueryParams(), now, s.loc(), func(slug string) bool { return s.configComponent(slug) != nil })
	if bad != nil {
		return c.JSON(http.StatusBadRequest, bad)
	}
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	from, to := q.From.Format(time.DateOnly), q.To.Format(time.DateOnly)
	contentType := map[string]string{"json": echo.MIMEApplicationJSON, "csv": "text/csv; charset=utf-8", "html": echo.MIMETextHTMLCharsetUTF8}[q.Format]
	if q.Format == "csv" {
		h.Set("Content-Disposition", `attachment; filename="availability-`+from+`-`+to+`.csv"`)
	}
	key := "api/" + q.Component + "/" + from + "/" + to + "/" + q.Format
	// The printable report is a page in the reader's language; the JSON
	// and the CSV are the same for everyone, in English.
	l := english
	if q.Format == "html" {
		l = s.langOf(c)
		key += l.key()
		addVary(h, "Accept-Language")
	}
	return s.serveReport(c, key, contentType, func() ([]byte, error) {
		body, err := s.reportBody(c.Request().Context(), q, now)
		if err != nil {
			return nil, err
		}
		switch q.Format {
		case "csv":
			return availabilityCSV(body)
		case "html":
			return s.availabilityPrint(c, l, body, q, now)
		}
		b, err := json.Marshal(body)
		return append(b, '\n'), err
	})
}

// reportBody computes the figures a query asks for.
func (s *site) reportBody(ctx context.Context, q reportQuery, now time.Time) (reportJSON, error) {
	spans := q.spans(now, s.loc())
	reports, err := s.report(ctx, spans, q.Component)
	if err != nil {
		return reportJSON{}, err
	}
	body := reportJSON{
		From: q.From.Format(time.DateOnly), To: q.To.Format(time.DateOnly),
		TimeZone: s.loc().String(), PartialWeight: s.weight(), Components: []componentJSON{},
	}
	whole := availability.DaysSpan(q.From, q.To, s.loc(), now)
	for _, r := range reports {
		cj := componentJSON{
			ID: r.Comp.Slug, Name: r.Comp.Name, Group: r.Comp.Group, SLO: s.d.Config.ComponentSLO(r.Comp),
			Total: figuresOf(r.Total, whole, s.loc()),
		}
		for i, f := range r.Spans {
			fj := figuresOf(f, spans[i], s.loc())
			fj.Month = spans[i].FirstDay[:7]
			cj.Months = append(cj.Months, fj)
		}
		body.Components = append(body.Components, cj)
	}
	return body, nil
}

// availabilityCSV writes one row per component and month, then one per
// component for the whole range (month "total").
func availabilityCSV(body reportJSON) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"component", "name", "month", "from", "to", "availability_percent", "slo_percent", "slo_met",
		"period_seconds", "major_outage_seconds", "partial_outage_seconds", "downtime_seconds", "maintenance_seconds",
		"no_data_seconds", "error_budget_left_seconds", "credit_percent", "slo_status"})
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	row := func(comp componentJSON, month string, f figuresJSON) {
		avail := ""
		if f.Availability != nil {
			avail = strconv.FormatFloat(*f.Availability, 'f', 6, 64)
		}
		_ = w.Write([]string{csvCell(comp.ID), csvCell(comp.Name), month, f.From, f.To, avail, num(comp.SLO), strconv.FormatBool(f.SLOMet),
			num(f.PeriodSeconds), num(f.MajorSeconds), num(f.PartialSeconds), num(f.DowntimeSeconds), num(f.MaintenanceSeconds),
			num(f.NoDataSeconds), num(f.BudgetLeftSeconds), num(f.CreditPercent), f.SLOStatus})
	}
	for _, comp := range body.Components {
		for _, m := range comp.Months {
			row(comp, m.Month, m)
		}
		row(comp, "total", comp.Total)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
