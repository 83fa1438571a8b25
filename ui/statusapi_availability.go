package ui

import (
	"context"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
)

// summaryAvailability is Ampel's addition to Statuspage's summary.json:
// each component's availability this month and over the last 90 days,
// the figures /availability shows, from the same rollups and rules.
// Statuspage's own keys are untouched, so its clients read the rest as
// before.
type summaryAvailability struct {
	TimeZone      string                  `json:"time_zone"`
	PartialWeight float64                 `json:"partial_weight"`
	Components    []componentAvailability `json:"components"`
}

// componentAvailability holds percentages to six decimals, null before
// anything was observed; the error budget is this month's.
type componentAvailability struct {
	ID                string   `json:"id"`
	SLO               float64  `json:"slo"`
	ThisMonth         *float64 `json:"this_month"`
	SLOMet            bool     `json:"slo_met"`
	SLOStatus         string   `json:"slo_status"`
	BudgetLeftSeconds float64  `json:"error_budget_left_seconds"`
	BudgetLeftPercent float64  `json:"error_budget_left_percent"`
	Last90Days        *float64 `json:"last_90_days"`
}

// windowMonths is how many months before this one the last reportDays
// can reach into: 90 days never span more than four calendar months.
const windowMonths = 3

func (s *site) summaryAvailability(ctx context.Context, now time.Time) (summaryAvailability, error) {
	months := availability.Months(now, s.loc(), windowMonths)
	by, err := s.monthly(ctx, months)
	if err != nil {
		return summaryAvailability{}, err
	}
	window, err := s.window(ctx, availability.LastDays(now, s.loc(), reportDays), by)
	if err != nil {
		return summaryAvailability{}, err
	}
	out := summaryAvailability{TimeZone: s.loc().String(), PartialWeight: s.weight(), Components: []componentAvailability{}}
	for _, r := range s.reportFrom(by, months[:1], "") {
		this := figuresOf(r.Spans[0], months[0], s.loc())
		out.Components = append(out.Components, componentAvailability{
			ID: r.Comp.Slug, SLO: r.Spans[0].SLO, ThisMonth: this.Availability, SLOMet: this.SLOMet, SLOStatus: this.SLOStatus,
			BudgetLeftSeconds: this.BudgetLeftSeconds, BudgetLeftPercent: this.BudgetLeftPercent,
			Last90Days: percentOf(window[r.Comp.Slug]),
		})
	}
	return out, nil
}
