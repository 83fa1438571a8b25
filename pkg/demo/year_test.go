package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// checkYear: the seeded history covers every month of the last year for
// every component, with the past maintenance windows recorded both as
// maintenance records and as maintenance time in the history, and a
// year whose availability reads as a real service's.
func checkYear(t *testing.T, st *store.Store, cfg *config.Config, s *Scenario) {
	t.Helper()
	ctx := context.Background()
	first := start.Add(-History).AddDate(0, 1, 0).In(cfg.Location).Format(time.DateOnly)
	months, err := st.MonthlyRollups(ctx, status.Component, first, start.In(cfg.Location).Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	perComp := map[string]int{}
	var maint, observed, bad time.Duration
	for _, m := range months {
		perComp[m.Subject]++
		maint += m.Maintenance
		observed += m.Up + m.Degraded + m.Partial + m.Down
		bad += m.Down + m.Partial*3/10
	}
	for _, comp := range cfg.Components {
		if perComp[comp.Slug] < 12 {
			t.Errorf("%s: %d months of rollups, want 12 or more", comp.Slug, perComp[comp.Slug])
		}
	}
	windows := s.windows
	if len(windows) < 12 || windows[0].ID == 0 {
		t.Fatalf("%d past maintenance windows (first id %d), want one every four weeks", len(windows), windows[0].ID)
	}
	if maint < 10*time.Hour {
		t.Errorf("%v of maintenance in the history, want the windows' time", maint)
	}
	recorded, err := st.Maintenances(ctx, 100)
	completed := 0
	for _, m := range recorded {
		if m.Status == "completed" {
			completed++
		}
	}
	if err != nil || completed != len(windows) {
		t.Fatalf("%d completed maintenance records (%v), want %d", completed, err, len(windows))
	}
	changes, err := st.Changes(ctx, status.Component, windows[0].Component, windows[0].From, windows[0].To.Add(time.Second))
	if err != nil || len(changes) == 0 || changes[0].To != status.Maintenance || !strings.HasPrefix(changes[0].Cause, "maintenance ") {
		t.Errorf("changes of %s in its first window: %+v, %v", windows[0].Component, changes, err)
	}
	if u := 1 - float64(bad)/float64(observed); u < 0.995 || u > 0.99999 {
		t.Errorf("the fleet's availability over the year is %.5f, want a believable 99.5 %%–99.999 %%", u)
	}
}
