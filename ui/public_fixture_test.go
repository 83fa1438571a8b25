package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// publicSeed is seedNotices plus what the detail pages show: an ETA on
// the open incident, a postmortem on the resolved one, a draft with a
// postmortem of its own, and a window scheduled in New York.
type publicSeed struct {
	seeded
	ny     store.Maintenance
	secret store.Incident
}

func seedPublicPages(t testing.TB, f *fixture) publicSeed {
	t.Helper()
	ctx := context.Background()
	p := publicSeed{seeded: seedNotices(t, f.store)}
	var err error
	if p.open, err = f.store.EditIncident(ctx, p.open.ID, seedActor, "incident.patch", t0, func(i *store.Incident) (*store.IncidentUpdate, error) {
		i.ETA = t0.Add(2 * time.Hour)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if p.resolved, err = f.store.EditIncident(ctx, p.resolved.ID, seedActor, "incident.postmortem", t0.Add(-70*time.Hour), func(i *store.Incident) (*store.IncidentUpdate, error) {
		i.Postmortem, i.PostmortemAt = "A **config push** broke routing.", t0.Add(-70*time.Hour)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	p.secret, err = f.store.CreateIncident(ctx, store.Incident{Name: "Secret draft", Status: "investigating", Impact: "major", Draft: true,
		Components: map[string]string{"api": "major_outage"}, Started: t0.Add(-5 * time.Minute)},
		store.IncidentUpdate{Status: "investigating", Body: "Draft body", Author: "auto", At: t0.Add(-5 * time.Minute)}, seedActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.EditIncident(ctx, p.secret.ID, seedActor, "incident.postmortem", t0, func(i *store.Incident) (*store.IncidentUpdate, error) {
		i.Postmortem, i.PostmortemAt = "Draft postmortem", t0
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	p.ny, err = f.store.CreateMaintenance(ctx, store.Maintenance{Name: "Network swap", Status: "scheduled", TimeZone: "America/New_York",
		Description: "We **swap** routers.", ScheduledFor: t0.Add(72 * time.Hour), ScheduledUntil: t0.Add(75 * time.Hour), ComponentIDs: []string{"api", "web"}},
		store.MaintenanceUpdate{Status: "scheduled", Body: "Planned.", At: t0}, seedActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	bump(f)
	return p
}

// bump stands in for the operator API's cache invalidation after writing
// to the store directly: a state version change.
func bump(f *fixture) {
	f.feed.Observe(status.Result{}, []status.Change{{Kind: status.Check, Subject: "seed", At: t0}})
}

// fetch gets path and fails unless it answers want.
func fetch(t *testing.T, h http.Handler, path string, want int) string {
	t.Helper()
	rec := get(h, path, "192.0.2.1:1", nil)
	if rec.Code != want {
		t.Fatalf("%s: status %d, want %d: %.300s", path, rec.Code, want, rec.Body)
	}
	return rec.Body.String()
}

// contains fails for each of wants missing from body.
func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// lacks fails for each of nots found in body.
func lacks(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(body, n) {
			t.Errorf("%s shows %q", what, n)
		}
	}
}
