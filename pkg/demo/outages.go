package demo

import (
	"cmp"
	"slices"
	"time"
)

// Outage is a past outage of the scenario that the status page told its
// customers about: one component, all zones down (major) or one zone
// (partial), from From to To.
type Outage struct {
	Component string
	// Zone is the failing zone of a partial outage; empty for a major one.
	Zone     string
	From, To time.Time
	// ID is the incident's id in the store, set by Seed.
	ID int64
}

// Open is the scenario's ongoing trouble told as an open incident: one of
// the four workers down.
type Open struct {
	Component string
	From, ETA time.Time
	ID        int64
}

// Upcoming is a maintenance window announced for the days after start.
type Upcoming struct {
	Name, Component string
	From, To        time.Time
	ID              int64
}

// notable is how many of the past outages the demo records as incidents.
const notable = 9

// Outages returns the past outages recorded as incidents, oldest first.
func (s *Scenario) Outages() []Outage { return s.outages }

// OpenIncident returns the ongoing trouble recorded as an open incident;
// its ID is set once Seed has recorded it.
func (s *Scenario) OpenIncident() Open {
	from := s.start.Add(-3 * time.Hour)
	return Open{Component: "workers", From: from, ETA: s.start.Add(3 * time.Hour).Truncate(15 * time.Minute), ID: s.open}
}

// UpcomingWindow returns the maintenance window announced for three days
// after start, at 02:00 UTC.
func (s *Scenario) UpcomingWindow() Upcoming {
	y, m, d := s.start.UTC().AddDate(0, 0, 3).Date()
	from := time.Date(y, m, d, 2, 0, 0, 0, time.UTC)
	return Upcoming{Name: "Job queue database upgrade", Component: "workers", From: from, To: from.Add(90 * time.Minute), ID: s.upcoming}
}

// longPartial is the year's longest trouble: the CDN failing in one zone
// for a little over two days, six weeks before start.
func longPartial(start time.Time) incident {
	from := start.Add(-41 * 24 * time.Hour).Truncate(time.Hour).Add(17 * time.Minute)
	return incident{check: "cdn-assets", zone: "ap-southeast", from: from, to: from.Add(53*time.Hour + 40*time.Minute)}
}

// pickOutages chooses the notable outages among the scenario's past
// troubles: the longest, a major one counting as three partial ones, and
// at least one within the 90 days of the bars. Slow stretches and one
// worker of several down are not outages.
func pickOutages(start time.Time, past []incident) []Outage {
	var cands []incident
	for _, in := range past {
		c, ok := checkByName(in.check)
		if ok && !in.slow && !c.instance && in.to.Before(start) {
			cands = append(cands, in)
		}
	}
	weight := func(in incident) time.Duration {
		if in.zone == "" {
			return 3 * in.to.Sub(in.from)
		}
		return in.to.Sub(in.from)
	}
	slices.SortStableFunc(cands, func(a, b incident) int { return cmp.Compare(weight(b), weight(a)) })
	picked := cands[:min(notable, len(cands))]
	recent := func(in incident) bool { return in.from.After(start.Add(-barSpan)) }
	if !slices.ContainsFunc(picked, recent) {
		if i := slices.IndexFunc(cands, recent); i >= 0 {
			picked = append(picked[:len(picked)-1:len(picked)-1], cands[i])
		}
	}
	out := make([]Outage, 0, len(picked))
	for _, in := range picked {
		out = append(out, Outage{Component: componentOf(in.check), Zone: in.zone, From: in.from, To: in.to})
	}
	slices.SortFunc(out, func(a, b Outage) int { return a.From.Compare(b.From) })
	return out
}

// componentOf returns the slug of the component a check belongs to.
func componentOf(checkName string) string {
	for _, comp := range fleet {
		for _, c := range comp.checks {
			if c.name == checkName {
				return comp.slug
			}
		}
	}
	return ""
}
