package ui

import (
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
)

// availabilityView is the /availability page.
type availabilityView struct {
	Site siteView
	// Months labels the month columns, this month first.
	Months     []string
	Weight     string
	SLO        string
	Credits    []string
	Groups     []availGroupView
	Components []availCompView
	// Export is the API URL of this page's months, for the exports.
	Export string
}

type availGroupView struct {
	Name   string
	Months []monthCell
}

// availCompView is one component's report: this month with its budget,
// the last 90 days, and each month.
type availCompView struct {
	Slug, Name, Group string
	SLO               string
	This              figView
	Window            monthCell
	Months            []monthCell
	// Cells is Months as table cells, built by cellsHTML; Row the row of
	// the this-month table, built by thisRowHTML.
	Cells, Row template.HTML
}

// monthCell is one month of a component in the months table: its
// availability, linking to the month's breakdown, and any credit earned.
type monthCell struct {
	Pct, Class, Link string
	Credit           string
	// Missed says in words that the SLO was missed, or for this month
	// that it is below it so far ("" when met or unknown).
	Missed string
}

func cellOf(l loc, f availability.Figures) monthCell {
	c := monthCell{}
	c.Pct, c.Class = pctClass(l, f.Availability, f.Known, f.Met)
	c.Missed = missedWords(l, f.Known && !f.Met, f.Recoverable())
	if f.Known && f.Credit > 0 {
		c.Credit = l.T("avail.credit", "Pct", percentText(l, f.Credit))
	}
	return c
}

// figView is one span's figures, formatted.
type figView struct {
	Label, Link string
	Pct         string
	Known, Met  bool
	Class       string
	// Verdict is verdictOf in words ("" when nothing was observed).
	Verdict     string
	Major       string
	Partial     string
	Maintenance string
	NoData      string
	Downtime    string
	Budget      string
	BudgetLeft  string
	BudgetPct   string
	// BudgetText says what is left of the budget, or by how much it is
	// overspent.
	BudgetText  string
	BudgetClass string
	Burn        string
	Credit      string
}

func figOf(l loc, f availability.Figures) figView {
	v := figView{
		Known: f.Known, Met: f.Met,
		Major: minutesText(l, f.Major), Partial: minutesText(l, f.Partial),
		Maintenance: minutesText(l, f.Maintenance), NoData: minutesText(l, f.NoData),
		Downtime: minutesText(l, f.Bad), Budget: minutesText(l, f.Budget),
		BudgetLeft: minutesText(l, f.BudgetLeft), BudgetPct: "–", Burn: "–", Credit: "–",
	}
	v.Pct, v.Class = pctClass(l, f.Availability, f.Known, f.Met)
	if f.Known {
		v.Verdict = l.T("verdict." + verdictOf(f))
		v.Burn = l.Num(f.Burn, 2) + "×"
		if f.Credit > 0 {
			v.Credit = percentText(l, f.Credit)
		}
	}
	if f.Budget > 0 {
		v.BudgetPct = l.Pct(math.Floor(f.BudgetLeftShare*1000)/10, 1)
	}
	v.BudgetText = l.T("avail.budget_left", "Left", v.BudgetLeft, "Budget", v.Budget, "Pct", v.BudgetPct)
	if f.BudgetLeft < 0 {
		v.BudgetText = l.T("avail.budget_over", "Over", minutesText(l, -f.BudgetLeft), "Budget", v.Budget)
	}
	switch {
	case f.BudgetLeft < 0:
		v.BudgetClass = "a-missed"
	case f.BudgetLeftShare < 0.25:
		v.BudgetClass = "a-low"
	default:
		v.BudgetClass = "a-met"
	}
	return v
}

// verdictOf judges figures against their SLO: "met", "missed", or
// "below_so_far" for a running month that can still end met; "no_data"
// when nothing was observed.
func verdictOf(f availability.Figures) string {
	switch {
	case !f.Known:
		return "no_data"
	case f.Met:
		return "met"
	case f.Recoverable():
		return "below_so_far"
	}
	return "missed"
}

// missedWords says that an SLO was missed, in words as well as colour,
// or that a month still running is below it so far but can still end
// met ("" when not below).
func missedWords(l loc, below, recoverable bool) string {
	switch {
	case !below:
		return ""
	case recoverable:
		return l.T("avail.below_slo_so_far")
	}
	return l.T("avail.slo_missed")
}

// pctClass is an availability in percent and the class that colours it:
// whether it met its target, or "no data" when unknown.
func pctClass(l loc, availability float64, known, met bool) (pct, class string) {
	switch {
	case !known:
		return l.T("avail.no_data"), "a-none"
	case met:
		return pct3(l, availability), "a-met"
	}
	return pct3(l, availability), "a-missed"
}

// pct3 formats a share as a percentage with three decimals, rounding
// down: 99.9999 % is shown as 99.999 %, never as 100.000 %.
func pct3(l loc, u float64) string {
	return l.Pct(math.Floor(u*100000+1e-7)/1000, 3)
}

// minutesText is a duration in minutes with one decimal, "0 min" for
// none and "< 0.1 min" for a few seconds, so no time reads as none.
func minutesText(l loc, d time.Duration) string {
	switch {
	case d == 0:
		return "0 min"
	case d > 0 && d < 6*time.Second:
		return "< " + l.Num(0.1, 1) + " min"
	case d < 0 && d > -6*time.Second:
		return "> −" + l.Num(0.1, 1) + " min"
	}
	return l.Num(d.Minutes(), 1) + " min"
}

// percentText writes a configured percentage (an SLO, a credit) without
// padding: "99.9%", "10%" ("99,9 %" in German).
func percentText(l loc, p float64) string {
	return l.decimal(strconv.FormatFloat(p, 'f', -1, 64)) + strings.TrimPrefix(l.Pct(0, 0), "0")
}
