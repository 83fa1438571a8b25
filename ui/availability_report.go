package ui

import (
	"context"
	"slices"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// reportMonths is how many months before this one /availability shows;
// reportDays the length of its rolling window.
const (
	reportMonths = 12
	reportDays   = 90
)

// weight is the configured partial-outage weight.
func (s *site) weight() float64 { return s.d.Config.Availability.PartialWeight }

// target is what a component's figures are judged against.
func (s *site) target(comp *config.Component) availability.Target {
	tg := availability.Target{SLO: s.d.Config.ComponentSLO(comp), Weight: s.weight()}
	for _, t := range s.d.Config.Availability.Credits {
		tg.Credits = append(tg.Credits, availability.Tier{Below: t.Below, Credit: t.Credit})
	}
	return tg
}

// componentReport is one component's figures over a list of spans, and
// over the whole of them.
type componentReport struct {
	Comp  *config.Component
	Spans []availability.Figures
	Total availability.Figures
}

// report computes every component's figures for each span in spans
// (months, or parts of months at the ends of a range) from the monthly
// sums of the rollups. With only set, only that component.
func (s *site) report(ctx context.Context, spans []availability.Span, only string) ([]componentReport, error) {
	by, err := s.monthly(ctx, spans)
	if err != nil {
		return nil, err
	}
	return s.reportFrom(by, spans, only), nil
}

// monthSums holds the rollup sums of every component for each span of a
// report, a span being one month or part of one: rows[slug][i] is the
// sum for spans[i], found by its month ('YYYY-MM') in index.
type monthSums struct {
	index map[string]int
	rows  map[string][]store.SpanRollup
}

// sum returns a component's sums in a month, zero when it had none.
func (m monthSums) sum(slug, month string) store.SpanRollup {
	if i, ok := m.index[month]; ok && m.rows[slug] != nil {
		return m.rows[slug][i]
	}
	return store.SpanRollup{}
}

// monthly reads the rollup sums of every component by month over the
// days of spans: one query, a row per component and month.
func (s *site) monthly(ctx context.Context, spans []availability.Span) (monthSums, error) {
	m := monthSums{index: make(map[string]int, len(spans)), rows: map[string][]store.SpanRollup{}}
	for i, sp := range spans {
		m.index[sp.FirstDay[:7]] = i
	}
	if s.d.Store == nil || len(spans) == 0 {
		return m, nil
	}
	first, last := spans[0], spans[len(spans)-1]
	if last.FirstDay < first.FirstDay {
		first, last = last, first
	}
	rows, err := s.d.Store.MonthlyRollups(ctx, status.Component, first.FirstDay, last.LastDay)
	if err != nil {
		return m, err
	}
	for _, r := range rows {
		i, ok := m.index[r.Span]
		if !ok {
			continue
		}
		sums := m.rows[r.Subject]
		if sums == nil {
			sums = make([]store.SpanRollup, len(spans))
			m.rows[r.Subject] = sums
		}
		sums[i] = r
	}
	return m, s.addTail(ctx, m, spans)
}

// addTail adds today's still-open interval (see todayTail) to the span
// of m that holds today, if any.
func (s *site) addTail(ctx context.Context, m monthSums, spans []availability.Span) error {
	now := s.now()
	today := now.Format(time.DateOnly)
	i := slices.IndexFunc(spans, func(sp availability.Span) bool { return sp.FirstDay <= today && today <= sp.LastDay })
	if i < 0 || m.index[spans[i].FirstDay[:7]] != i {
		return nil
	}
	tail, err := s.openTail(ctx, now)
	if err != nil {
		return err
	}
	for slug, tl := range tail.tail {
		sums := m.rows[slug]
		if sums == nil {
			if !observed(tl) {
				continue
			}
			sums = make([]store.SpanRollup, len(spans))
			m.rows[slug] = sums
		}
		sums[i].Add(tl)
	}
	return nil
}

// reportFrom evaluates the monthly sums by against each component's target.
func (s *site) reportFrom(by monthSums, spans []availability.Span, only string) []componentReport {
	out := make([]componentReport, 0, len(s.d.Config.Components))
	for i := range s.d.Config.Components {
		comp := &s.d.Config.Components[i]
		if only != "" && comp.Slug != only {
			continue
		}
		tg := s.target(comp)
		r := componentReport{Comp: comp, Spans: make([]availability.Figures, len(spans))}
		var sum availability.Totals
		whole := availability.Span{}
		for j, sp := range spans {
			t := availability.FromRollup(by.sum(comp.Slug, sp.FirstDay[:7]), sp)
			r.Spans[j] = availability.Evaluate(t, sp, tg)
			sum = sum.Add(t)
			whole.Full += sp.Full
			if j == 0 || sp.From.Before(whole.From) {
				whole.From = sp.From
			}
		}
		r.Total = availability.Evaluate(sum, whole, tg)
		out = append(out, r)
	}
	return out
}

// window computes every component's figures over one span of days that
// need not follow month boundaries (the last 90 days), reusing the
// monthly sums by already read for the months it covers whole: only the
// month it cuts is read again, day by day. by must hold every month of
// the span after its first.
func (s *site) window(ctx context.Context, span availability.Span, by monthSums) (map[string]availability.Figures, error) {
	cutFirst := span.FirstDay
	t, err := time.Parse(time.DateOnly, cutFirst)
	if err != nil {
		return nil, err
	}
	cutLast := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	cutLast = min(cutLast, span.LastDay)
	var rows []store.SpanRollup
	if s.d.Store != nil {
		if rows, err = s.d.Store.SpanRollups(ctx, status.Component, cutFirst, cutLast); err != nil {
			return nil, err
		}
	}
	cut := make(map[string]store.SpanRollup, len(rows))
	for _, r := range rows {
		cut[r.Subject] = r
	}
	var months []string
	for month := range by.index {
		if month > cutLast[:7] && month <= span.LastDay[:7] {
			months = append(months, month)
		}
	}
	out := make(map[string]availability.Figures, len(s.d.Config.Components))
	for i := range s.d.Config.Components {
		comp := &s.d.Config.Components[i]
		sum := cut[comp.Slug]
		for _, month := range months {
			sum.Add(by.sum(comp.Slug, month))
		}
		out[comp.Slug] = availability.Evaluate(availability.FromRollup(sum, span), span, s.target(comp))
	}
	return out, nil
}

// monthLabel names a span's month: "November 2026", "November 2026",
// "noviembre de 2026".
func monthLabel(l loc, sp availability.Span) string {
	t, err := time.Parse(time.DateOnly, sp.FirstDay)
	if err != nil {
		return sp.FirstDay
	}
	return i18n.MonthYear(l.Lang, t)
}
