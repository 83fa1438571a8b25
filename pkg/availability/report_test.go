package availability

import (
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestEvaluateBudget: 99.9 % of a 30-day month is 43.2 minutes of budget.
// Ten days in, with 10 minutes of major and 20 of partial outage (w 0.3:
// 6 minutes counted) and 2 hours of maintenance:
//
//	budget  = 0.001 × (30 d − 2 h) = 0.001 × 43080 min = 43.08 min
//	bad     = 10 + 0.3 × 20 = 16 min; left = 27.08 min = 62.859 %
//	burn    = (16 / (10 d − 2 h)) / 0.001 = (16 / 14280) / 0.001 = 1.120448
func TestEvaluateBudget(t *testing.T) {
	span := Span{Full: 30 * 24 * h}
	tot := Totals{Period: 10 * 24 * h, Major: 10 * m, Partial: 20 * m, Maintenance: 2 * h}
	tot.Up = tot.Period - tot.Major - tot.Partial - tot.Maintenance
	f := Evaluate(tot, span, Target{SLO: 99.9, Weight: 0.3, Credits: []Tier{{99.9, 10}, {99, 25}}})
	if f.Budget != time.Duration(43.08*float64(m)) || f.Bad != 16*m || f.BudgetLeft != time.Duration(27.08*float64(m)) {
		t.Errorf("budget %v, bad %v, left %v", f.Budget, f.Bad, f.BudgetLeft)
	}
	if !near6(f.BudgetLeftShare, 27.08/43.08) || !near6(f.Burn, 16.0/14280/0.001) {
		t.Errorf("left share %v, burn %v", f.BudgetLeftShare, f.Burn)
	}
	// 1 − 16/14280 = 0.998880 < 99.9 %: below, 10 % credit.
	if !f.Known || f.Met || !near6(f.Availability, 1-16.0/14280) || f.Credit != 10 {
		t.Errorf("%+v", f)
	}
	// Ten days into the month with 27 minutes of budget left, it can
	// still end met; the same totals over a whole month cannot.
	if !f.Running || !f.Recoverable() {
		t.Errorf("a running month with budget left: running %v, recoverable %v", f.Running, f.Recoverable())
	}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	over := Evaluate(tot, Span{From: start, To: start.Add(30 * 24 * h), Full: 30 * 24 * h}, Target{SLO: 99.9, Weight: 0.3})
	if over.Running || over.Recoverable() {
		t.Errorf("a finished month: running %v, recoverable %v", over.Running, over.Recoverable())
	}
	tot.Major += 30 * m // 46 min counted: the 43.08 are spent
	if spent := Evaluate(tot, span, Target{SLO: 99.9, Weight: 0.3}); spent.BudgetLeft >= 0 || spent.Recoverable() {
		t.Errorf("an overspent running month: left %v, recoverable %v", spent.BudgetLeft, spent.Recoverable())
	}
}

func near6(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestCreditTiers(t *testing.T) {
	tiers := []Tier{{99, 25}, {99.9, 10}, {95, 100}}
	for _, c := range []struct {
		u    float64
		want float64
	}{{1, 0}, {0.999, 0}, {0.9989, 10}, {0.99, 10}, {0.985, 25}, {0.9, 100}} {
		if got := CreditFor(c.u, tiers); got != c.want {
			t.Errorf("CreditFor(%v) = %v, want %v", c.u, got, c.want)
		}
	}
}

// TestEvaluateNothingObserved: no data earns no credit and misses nothing.
func TestEvaluateNothingObserved(t *testing.T) {
	f := Evaluate(Totals{Period: 24 * h, NoData: 24 * h}, Span{Full: 24 * h}, Target{SLO: 99.9, Weight: 0.3, Credits: []Tier{{99.9, 10}}})
	if f.Known || f.Met || f.Credit != 0 || f.Budget != 0 || f.Burn != 0 {
		t.Errorf("%+v", f)
	}
}

// TestGroupWeights: (2 × 0.99 + 1 × 0.96) / 3 = 0.98; members without
// data do not count.
func TestGroupWeights(t *testing.T) {
	u, ok := Group([]Member{
		{Availability: 0.99, Known: true, Weight: 2},
		{Availability: 0.96, Known: true, Weight: 1},
		{Weight: 5},
	})
	if !ok || !near6(u, 0.98) {
		t.Errorf("Group = %v, %v", u, ok)
	}
	if _, ok := Group([]Member{{Weight: 1}}); ok {
		t.Error("a group without data has a figure")
	}
}

// TestOutagesWithCauses joins adjacent partial and major stretches into
// one outage with the changes that explain it.
func TestOutagesWithCauses(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	ch := func(off time.Duration, l status.Level, cause string) status.Change {
		return status.Change{Kind: status.Component, Subject: "api", At: t0.Add(off), To: l, Cause: cause}
	}
	tl := Timeline{
		From: t0, To: t0.Add(24 * h), HasStart: true, Start: ch(-h, status.Partial, "a: down in eu (1 of 3 zones)"),
		Changes: []status.Change{
			ch(10*m, status.Down, "incident 4: Database down"),
			ch(40*m, status.Up, "all checks up"),
			ch(23*h, status.Down, "b: down in eu, us (2 of 3 zones): HTTP 503"),
		},
	}
	got := tl.Outages()
	if len(got) != 2 {
		t.Fatalf("%d outages: %+v", len(got), got)
	}
	first := got[0]
	if !first.From.Equal(t0) || first.Partial != 10*m || first.Major != 30*m || len(first.Causes) != 2 || first.Ongoing {
		t.Errorf("first: %+v", first)
	}
	if first.Causes[1].Cause != "incident 4: Database down" || first.Bad(0.3) != 33*m {
		t.Errorf("first causes: %+v", first.Causes)
	}
	if last := got[1]; !last.Ongoing || last.Major != h {
		t.Errorf("last: %+v", last)
	}
}

// TestExcluded lists maintenance and no-data stretches, the time before
// monitoring began first.
func TestExcluded(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	ch := func(off time.Duration, l status.Level, cause string) status.Change {
		return status.Change{Kind: status.Component, Subject: "api", At: t0.Add(off), To: l, Cause: cause}
	}
	tl := Timeline{From: t0, To: t0.Add(24 * h), Changes: []status.Change{
		ch(2*h, status.Up, "all checks up"),
		ch(3*h, status.Maintenance, "maintenance 3: DB upgrade"),
		ch(4*h, status.NoData, "no data: Ampel was not running"),
		ch(5*h, status.Up, "all checks up"),
	}}
	got := tl.Excluded()
	if len(got) != 3 || got[0].Known || got[0].To != t0.Add(2*h) ||
		got[1].Level != status.Maintenance || got[1].Cause.Cause != "maintenance 3: DB upgrade" || got[1].To != t0.Add(4*h) ||
		got[2].Level != status.NoData || got[2].To != t0.Add(5*h) {
		t.Errorf("%+v", got)
	}
	if tot := tl.Totals(); tot.NoData != 3*h || tot.Maintenance != h || tot.Up != 20*h {
		t.Errorf("totals %+v", tot)
	}
}
