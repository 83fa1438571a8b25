// Package overlay computes what operators say about components — the
// statuses open incidents set and maintenance in progress — as the
// state.Overrides the engine lays over the probes' verdict.
//
// The ranking: an open incident's status shows when it is at least as bad
// as the probes say (status.Worst's order), otherwise the probes show. A
// maintenance in progress (or verifying) shows under_maintenance whatever
// the probes say — failing probes are expected then, and the time must be
// recorded as maintenance so availability can exclude it — unless an open
// incident sets a status status.Worst ranks above maintenance (partial or
// major outage), which then shows. An incident that sets "operational" says
// nothing about the level and overrides nothing.
package overlay

import (
	"context"
	"fmt"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Compute returns the overrides that the open published incidents and the
// maintenance windows in progress among those given set. Resolved
// incidents and windows in any other status are skipped, so callers may
// pass more than the open ones.
func Compute(incidents []store.Incident, maintenances []store.Maintenance) state.Overrides {
	out := state.Overrides{}
	for _, inc := range incidents {
		if inc.Draft || inc.Status == incident.Resolved || !inc.Resolved.IsZero() {
			continue
		}
		for slug, s := range inc.Components {
			lvl, err := status.ParseStatuspage(s)
			if err != nil || lvl == status.Up {
				continue
			}
			cur, ok := out[slug]
			// The worst incident wins; on a tie the one listed first.
			if ok && !status.Worse(lvl, cur.Level) {
				continue
			}
			out[slug] = state.Override{Level: lvl, Source: state.SourceIncident,
				Ref: incident.IncidentRef(inc.ID, inc.Name)}
		}
	}
	for _, m := range maintenances {
		if !incident.HoldsComponents(m.Status) {
			continue
		}
		for _, slug := range m.ComponentIDs {
			cur, ok := out[slug]
			if ok && cur.MaskProbes {
				continue // another window got it first
			}
			if ok && status.Worse(cur.Level, status.Maintenance) {
				cur.MaskProbes = true
				out[slug] = cur
				continue
			}
			out[slug] = state.Override{Level: status.Maintenance, Source: state.SourceMaintenance,
				Ref: incident.MaintenanceRef(m.ID, m.Name), MaskProbes: true}
		}
	}
	return out
}

// scanLimit bounds how many open incidents Load reads: far more than are
// ever open at once.
const scanLimit = 1000

// Load reads the open incidents and maintenance windows from the store
// and computes their overrides.
func Load(ctx context.Context, st *store.Store) (state.Overrides, error) {
	incs, err := st.IncidentsNoTimeline(ctx, true, scanLimit)
	if err != nil {
		return nil, fmt.Errorf("overlay: %w", err)
	}
	ms, err := st.OpenMaintenancesNoTimeline(ctx)
	if err != nil {
		return nil, fmt.Errorf("overlay: %w", err)
	}
	return Compute(incs, ms), nil
}
