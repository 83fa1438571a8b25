package ui

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// seedMany stores n resolved incidents of three updates each, one every
// six hours back from t0, and n/4 windows.
func seedMany(b *testing.B, f *fixture, n int) {
	b.Helper()
	ctx := context.Background()
	for i := range n {
		at := t0.Add(-time.Duration(i*6) * time.Hour)
		inc, err := f.store.CreateIncident(ctx, store.Incident{Name: fmt.Sprintf("Incident %d", i), Status: "investigating", Impact: "major",
			Components: map[string]string{"api": "partial_outage"}, Started: at},
			store.IncidentUpdate{Status: "investigating", Body: "We are **looking** into [it](https://example.com).", Components: map[string]string{"api": "partial_outage"}, At: at}, seedActor, at)
		if err != nil {
			b.Fatal(err)
		}
		for _, st := range []string{"identified", "resolved"} {
			at = at.Add(20 * time.Minute)
			if _, err := f.store.EditIncident(ctx, inc.ID, seedActor, "incident.update", at, func(i *store.Incident) (*store.IncidentUpdate, error) {
				i.Status = st
				if st == "resolved" {
					i.Resolved = at
				}
				return &store.IncidentUpdate{Status: st, Body: "A *short* note on " + st + ".", At: at}, nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		if i%4 == 0 {
			if _, err := f.store.CreateMaintenance(ctx, store.Maintenance{Name: fmt.Sprintf("Window %d", i), Status: "completed", Description: "Routine **work**.",
				ScheduledFor: at, ScheduledUntil: at.Add(time.Hour), ComponentIDs: []string{"api"}},
				store.MaintenanceUpdate{Status: "completed", Body: "Done.", At: at}, seedActor, at); err != nil {
				b.Fatal(err)
			}
		}
	}
	bump(f)
}

// benchRebuild measures a page built afresh each time (the version is
// bumped before every request, as after a state change), over 400
// incidents.
func benchRebuild(b *testing.B, path string) {
	f := newFixture(b)
	seedMany(b, f, 400)
	b.ReportAllocs()
	for b.Loop() {
		bump(f)
		if rec := get(f.h, path, "192.0.2.1:1", nil); rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkHistoryRebuild(b *testing.B)  { benchRebuild(b, "/history") }
func BenchmarkFeedAtomRebuild(b *testing.B) { benchRebuild(b, "/feed.atom") }
func BenchmarkICSRebuild(b *testing.B)      { benchRebuild(b, "/maintenance.ics") }
func BenchmarkIncidentRebuild(b *testing.B) { benchRebuild(b, "/incidents/1") }
