package availability

import (
	"math"
	"time"
)

// Target is what a subject's figures are judged against.
type Target struct {
	// SLO is the availability target in percent (99.9).
	SLO float64
	// Weight is the partial-outage weight w.
	Weight float64
	// Credits are the service-credit tiers, any order.
	Credits []Tier
}

// Tier is one service-credit tier: availability below Below percent earns
// Credit percent of the fee.
type Tier struct {
	Below, Credit float64
}

// Figures are a subject's report over one span.
type Figures struct {
	Totals
	// Availability is in [0, 1]; Known is false when nothing was observed.
	Availability float64
	Known        bool
	// SLO is the target in percent; Met says whether Availability
	// reached it (false when not Known).
	SLO float64
	Met bool
	// Bad is the downtime counted: major plus w times partial.
	Bad time.Duration
	// Budget is the downtime the SLO allows over the whole span (the full
	// month, not only its part so far), maintenance and no data excluded;
	// BudgetLeft what remains of it (negative when overspent) and
	// BudgetLeftShare that as a share of Budget.
	Budget, BudgetLeft time.Duration
	BudgetLeftShare    float64
	// Burn is how fast the budget is being spent: the share of observed
	// time lost over the share the SLO allows. 1 spends exactly the whole
	// budget by the end of the span; 0 when nothing was observed.
	Burn float64
	// Credit is the service credit the span earned, in percent (0: none).
	Credit float64
	// Running says the span is not over yet (this month).
	Running bool
}

// Recoverable says the span is below its SLO so far but can still end
// met: it is still running and its error budget is not spent. Once the
// budget is overspent, no amount of uptime to come makes up for it.
func (f Figures) Recoverable() bool {
	return f.Known && !f.Met && f.Running && f.BudgetLeft >= 0
}

// Evaluate judges totals over span against the target.
func Evaluate(t Totals, span Span, tg Target) Figures {
	f := Figures{Totals: t, SLO: tg.SLO, Bad: t.Bad(tg.Weight), Running: span.Running()}
	f.Availability, f.Known = t.Availability(tg.Weight)
	allowed := 1 - tg.SLO/100
	if f.Known {
		f.Met = f.Availability*100 >= tg.SLO-1e-9
		f.Credit = CreditFor(f.Availability, tg.Credits)
		if allowed > 0 {
			f.Burn = float64(f.Bad) / float64(t.Observed()) / allowed
		}
	}
	// The part of the span still to come counts as observable time.
	full := max(span.Full, t.Period)
	budgetable := full - t.Maintenance - t.NoData
	// Rounded to the millisecond, the history's precision: 1 − 99.9/100
	// is not exactly 0.001 in floating point.
	f.Budget = time.Duration(math.Round(allowed*float64(max(budgetable, 0))/float64(time.Millisecond))) * time.Millisecond
	f.BudgetLeft = f.Budget - f.Bad
	if f.Budget > 0 {
		f.BudgetLeftShare = float64(f.BudgetLeft) / float64(f.Budget)
	}
	return f
}

// CreditFor returns the highest credit among the tiers whose threshold
// availability u (in [0, 1]) falls below, 0 when none.
func CreditFor(u float64, tiers []Tier) float64 {
	credit := 0.0
	for _, t := range tiers {
		if u*100 < t.Below-1e-9 && t.Credit > credit {
			credit = t.Credit
		}
	}
	return credit
}

// Member is one component of a group: its availability (Known false when
// it observed nothing) and its weight.
type Member struct {
	Availability float64
	Known        bool
	Weight       float64
}

// Group returns the weighted average availability of the members that
// observed anything, and false when none did.
func Group(members []Member) (float64, bool) {
	var sum, weights float64
	for _, m := range members {
		if !m.Known || m.Weight <= 0 {
			continue
		}
		sum += m.Weight * m.Availability
		weights += m.Weight
	}
	if weights == 0 {
		return 0, false
	}
	return min(max(sum/weights, 0), 1), true
}
