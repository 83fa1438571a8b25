package ui

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// recentLimit is how many incidents and windows the full lists carry, as
// on Statuspage.
const recentLimit = 50

// unresolved returns the open incidents, newest start first; none without
// a store.
func (s *site) unresolved(ctx context.Context) ([]store.Incident, error) {
	if s.d.Store == nil {
		return nil, nil
	}
	return s.last.unresolved.read(func() ([]store.Incident, error) {
		return s.d.Store.PublicIncidents(ctx, true, recentLimit)
	})
}

// openWindows returns the windows in progress (in_progress, verifying)
// and the upcoming ones (scheduled), each soonest first.
func (s *site) openWindows(ctx context.Context) (active, upcoming []store.Maintenance, err error) {
	if s.d.Store == nil {
		return nil, nil, nil
	}
	open, err := s.last.open.read(func() ([]store.Maintenance, error) { return s.d.Store.OpenMaintenances(ctx) })
	if err != nil {
		return nil, nil, err
	}
	for _, m := range open {
		if m.Status == incident.Scheduled {
			upcoming = append(upcoming, m)
		} else {
			active = append(active, m)
		}
	}
	return active, upcoming, nil
}

// impactRank orders impacts from none (0) to critical (3).
func impactRank(impact string) int {
	return max(slices.Index(incident.Impacts, impact), 0)
}

// withIncidents blends open incidents into the page status as Statuspage
// does: the indicator is the worse of the components' and the worst open
// incident's impact.
func withIncidents(o overall, incs []store.Incident) overall {
	worst := 0
	for _, inc := range incs {
		worst = max(worst, impactRank(inc.Impact))
	}
	if worst <= impactRank(o.Indicator) {
		return o
	}
	switch incident.Impacts[worst] {
	case incident.ImpactCritical:
		o.Indicator, o.Description = incident.ImpactCritical, "Major System Outage"
	case incident.ImpactMajor:
		o.Indicator, o.Description = incident.ImpactMajor, "Partial System Outage"
	default:
		o.Indicator, o.Description = incident.ImpactMinor, "Minor Service Outage"
	}
	return o
}

// withMaintenance says "maintenance" while a window is in progress and
// nothing worse is going on, as Statuspage's indicator does, also for a
// window that names no component.
func withMaintenance(o overall, active []store.Maintenance) overall {
	if len(active) > 0 && o.Indicator == "none" {
		o.Indicator, o.Description = indicatorMaintenance, "Service Under Maintenance"
		o.Level = status.Maintenance
	}
	return o
}

// pageStatus is the page's status as the JSON gives it: the components
// blended, maintenance in progress, then open incidents.
func pageStatus(comps []state.Component, active []store.Maintenance, incs []store.Incident) statusObject {
	return statusOf(withIncidents(withMaintenance(overallOf(comps), active), incs))
}

// latestFirst returns updates newest first (by the time shown, then id).
func latestFirst[U any](updates []U, at func(U) time.Time, id func(U) int64) []U {
	out := slices.Clone(updates)
	slices.SortStableFunc(out, func(a, b U) int {
		if c := at(b).Compare(at(a)); c != 0 {
			return c
		}
		return cmp.Compare(id(b), id(a))
	})
	return out
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
