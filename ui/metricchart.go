package ui

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// metricView is the charts of one check of kind "metrics": its name and
// condition (never its target, an internal URL).
type metricView struct {
	Check, Condition string
	Charts           []chartView
}

// metrics charts the measured values of the component's metrics checks
// over the last 24 hours and 7 days, the hour under way included.
func (s *site) metrics(ctx context.Context, l loc, comp state.Component, now time.Time) ([]metricView, error) {
	end := now.Truncate(time.Hour).Add(time.Hour)
	week, day := end.Add(-7*24*time.Hour), end.Add(-24*time.Hour)
	var out []metricView
	for _, chk := range comp.Checks {
		cfg := s.checkConfig(comp.Slug, chk.Name)
		if cfg == nil || cfg.Kind != "metrics" || cfg.Metrics == nil {
			continue
		}
		var rows []store.ValueHour
		if s.d.Store != nil {
			var err error
			if rows, err = s.d.Store.ValueHours(ctx, chk.Name, week, end); err != nil {
				return nil, err
			}
		}
		out = append(out, metricView{Check: chk.Name, Condition: cfg.Metrics.Condition, Charts: []chartView{
			valueChart(l, l.T("chart.last_24h"), rows, day, end),
			valueChart(l, l.T("chart.last_7d"), rows, week, end),
		}})
	}
	return out, nil
}

// valueChart draws hourly values in [from, to): the average across zones
// and instances, with the lowest and highest value of each hour.
func valueChart(l loc, title string, rows []store.ValueHour, from, to time.Time) chartView {
	n := int(to.Sub(from) / time.Hour)
	avg, lo, hi := gaps(n), gaps(n), gaps(n)
	bottom, top := math.Inf(1), math.Inf(-1)
	var sum float64
	var count int64
	for _, r := range rows {
		i := int(r.Hour.Sub(from) / time.Hour)
		if i < 0 || i >= n || r.Count == 0 {
			continue
		}
		avg[i], lo[i], hi[i] = r.Avg, r.Min, r.Max
		bottom, top = math.Min(bottom, r.Min), math.Max(top, r.Max)
		sum += r.Avg * float64(r.Count)
		count += r.Count
	}
	c := chartView{Title: title, Width: chartW, Height: chartH, From: from, To: to,
		Keys:      []chartLine{{Class: "p50", Text: l.T("chart.average")}, {Class: "p95", Text: l.T("chart.low_high")}},
		EmptyText: l.T("chart.values_empty")}
	if count == 0 {
		c.Empty = true
		c.Summary = l.T("chart.values_none", "Title", title)
		return c
	}
	yLo, yHi := axisRange(bottom, top)
	c.YMax, c.YMid = valueLabel(l, yHi), valueLabel(l, (yLo+yHi)/2)
	c.Lines = []chartLine{
		{Class: "p95", Points: polylines(hi, yLo, yHi)},
		{Class: "p95", Points: polylines(lo, yLo, yHi)},
		{Class: "p50", Points: polylines(avg, yLo, yHi)},
	}
	c.Summary = l.T("chart.values_summary", "Title", title,
		"Average", valueLabel(l, sum/float64(count)), "Lowest", valueLabel(l, bottom), "Highest", valueLabel(l, top))
	return c
}

// axisRange spans 0 and the values with headroom, on round numbers.
func axisRange(bottom, top float64) (lo, hi float64) {
	lo, hi = math.Min(bottom, 0), math.Max(top, 0)
	if hi > 0 {
		hi = niceCeil(hi * 1.15)
	}
	if lo < 0 {
		lo = -niceCeil(-lo * 1.15)
	}
	if hi == lo {
		hi = lo + 1
	}
	return lo, hi
}

func valueLabel(l loc, v float64) string { return l.decimal(strconv.FormatFloat(v, 'g', 3, 64)) }

// checkConfig returns the configuration of a component's check, or nil.
func (s *site) checkConfig(slug, name string) *config.Check {
	if s.d.Config == nil {
		return nil
	}
	for i := range s.d.Config.Components {
		comp := &s.d.Config.Components[i]
		for j := range comp.Checks {
			if comp.Slug == slug && comp.Checks[j].Name == name {
				return &comp.Checks[j]
			}
		}
	}
	return nil
}
