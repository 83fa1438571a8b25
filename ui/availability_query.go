package ui

import (
	"fmt"
	"net/url"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
)

// maxReportDays bounds the range one availability request may cover:
// thirteen months (this one and the twelve before, as /availability
// shows them) and some.
const maxReportDays = 400

// reportQuery is a parsed /api/v1/availability request.
type reportQuery struct {
	// Component is the slug asked for; "" for every component.
	Component string
	// From and To are the first and last day, as dates at noon UTC.
	From, To time.Time
	// Format is "json", "csv" or "html".
	Format string
}

// parseReportQuery reads component, from, to (YYYY-MM-DD, both included;
// default: this month so far) and format. known says whether a component
// slug exists. The error names the field at fault.
func parseReportQuery(q url.Values, now time.Time, loc *time.Location, known func(string) bool) (reportQuery, *apiError) {
	// Other parameters are ignored, as caches and trackers add their own.
	for _, key := range []string{"component", "from", "to", "format"} {
		if len(q[key]) > 1 {
			return reportQuery{}, &apiError{Error: key + " is given more than once", Field: key}
		}
	}
	y, m, d := now.In(loc).Date()
	r := reportQuery{
		Component: q.Get("component"), Format: q.Get("format"),
		From: time.Date(y, m, 1, 12, 0, 0, 0, time.UTC), To: time.Date(y, m, d, 12, 0, 0, 0, time.UTC),
	}
	if r.Component != "" && !known(r.Component) {
		return r, &apiError{Error: "no component with this id", Field: "component"}
	}
	switch r.Format {
	case "":
		r.Format = "json"
	case "json", "csv", "html":
	default:
		return r, &apiError{Error: `format must be "json", "csv" or "html"`, Field: "format"}
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &r.From}, {"to", &r.To}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil || t.Year() < 2000 || t.Year() > 9998 {
			return r, &apiError{Error: f.name + " must be a date written YYYY-MM-DD", Field: f.name}
		}
		*f.dst = t.Add(12 * time.Hour)
	}
	if r.From.After(r.To) {
		return r, &apiError{Error: "from must not be after to", Field: "from"}
	}
	if days := int(r.To.Sub(r.From)/(24*time.Hour)) + 1; days > maxReportDays {
		return r, &apiError{Error: fmt.Sprintf("the range may cover at most %d days", maxReportDays), Field: "to"}
	}
	return r, nil
}

// spans cuts the query's days at month ends, oldest first: the first and
// last may be parts of months.
func (r reportQuery) spans(now time.Time, loc *time.Location) []availability.Span {
	var out []availability.Span
	for first := r.From; !first.After(r.To); {
		endOfMonth := time.Date(first.Year(), first.Month()+1, 0, 12, 0, 0, 0, time.UTC)
		last := endOfMonth
		if last.After(r.To) {
			last = r.To
		}
		out = append(out, availability.DaysSpan(first, last, loc, now))
		first = endOfMonth.AddDate(0, 0, 1)
	}
	return out
}
