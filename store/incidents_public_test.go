package store

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

// seedPublic stores three published incidents a month apart, a draft
// between them, and windows in every status.
func seedPublic(t *testing.T, s *Store) (pub []Incident, draft Incident) {
	t.Helper()
	ctx := context.Background()
	mk := func(name string, at time.Time, isDraft bool) Incident {
		inc, err := s.CreateIncident(ctx, Incident{Name: name, Status: "investigating", Impact: "minor", Started: at, Draft: isDraft},
			IncidentUpdate{Status: "investigating", Body: name + " begins", At: at}, tokenActor, at)
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	for i, name := range []string{"old", "middle", "new"} {
		pub = append(pub, mk(name, t0.AddDate(0, i-2, 0), false))
	}
	draft = mk("draft", t0.AddDate(0, -1, 1), true)
	if _, err := s.EditIncident(ctx, pub[1].ID, tokenActor, "incident.update", t0, func(i *Incident) (*IncidentUpdate, error) {
		i.Components = map[string]string{"api": "major_outage"}
		return &IncidentUpdate{Status: "identified", Body: "worse", Components: i.Components, At: pub[1].Started.Add(time.Hour)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EditIncident(ctx, draft.ID, tokenActor, "incident.update", t0, func(i *Incident) (*IncidentUpdate, error) {
		return &IncidentUpdate{Status: "identified", Body: "draft note", At: t0.Add(time.Hour)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EditIncident(ctx, pub[0].ID, tokenActor, "incident.postmortem", t0, func(i *Incident) (*IncidentUpdate, error) {
		i.Status, i.Resolved, i.Postmortem, i.PostmortemAt = "resolved", t0, "What happened.", t0
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EditIncident(ctx, draft.ID, tokenActor, "incident.postmortem", t0, func(i *Incident) (*IncidentUpdate, error) {
		i.Postmortem, i.PostmortemAt = "secret", t0
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	for i, st := range []string{"scheduled", "in_progress", "completed", "cancelled", "completed"} {
		at := t0.Add(time.Duration(i) * 24 * time.Hour)
		if _, err := s.CreateMaintenance(ctx, Maintenance{Name: st, Status: st, ScheduledFor: at, ScheduledUntil: at.Add(time.Hour)},
			MaintenanceUpdate{Status: st, Body: st + " note", At: at}, tokenActor, t0); err != nil {
			t.Fatal(err)
		}
	}
	return pub, draft
}

func TestPublicIncidentReads(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	pub, _ := seedPublic(t, s)

	got, err := s.PublicIncidentsStarted(ctx, t0.AddDate(0, -3, 0), t0.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Name != "new" || got[2].Name != "old" || len(got[0].Updates) != 1 {
		t.Fatalf("all months: %+v", got)
	}
	// The bulk read gives what reading each incident gives.
	for _, inc := range got {
		one, err := s.Incident(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(inc, one) {
			t.Errorf("bulk read %+v\nwant %+v", inc, one)
		}
	}
	if len(got[1].Updates) != 2 || got[1].Components["api"] != "major_outage" || got[1].Updates[1].Components["api"] != "major_outage" {
		t.Errorf("middle: %+v", got[1])
	}
	// [from, to): the start bound is in, the end bound out.
	got, err = s.PublicIncidentsStarted(ctx, pub[1].Started, pub[2].Started, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "middle" {
		t.Fatalf("one month: %+v", got)
	}
	if got, err = s.PublicIncidentsStarted(ctx, t0.AddDate(0, -3, 0), t0.Add(time.Hour), 2); err != nil || len(got) != 2 {
		t.Fatalf("limit: %d, %v", len(got), err)
	}

	oldest, err := s.OldestPublicIncident(ctx)
	if err != nil || !oldest.Equal(pub[0].Started) {
		t.Fatalf("oldest %v, %v", oldest, err)
	}

	ups, err := s.RecentIncidentUpdates(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 4 || ups[0].IncidentName != "new" || ups[0].Update.Body != "new begins" || ups[1].Update.Body != "worse" || ups[3].IncidentID != pub[0].ID {
		t.Fatalf("updates %+v", ups)
	}
	for _, u := range ups {
		if u.Update.Body == "draft note" || u.IncidentName == "draft" {
			t.Errorf("draft update in the feed: %+v", u)
		}
	}
	pms, err := s.RecentPostmortems(ctx, 10)
	if err != nil || len(pms) != 1 || pms[0].ID != pub[0].ID || pms[0].Postmortem != "What happened." {
		t.Fatalf("postmortems %+v, %v", pms, err)
	}
}

func TestOldestPublicIncidentEmpty(t *testing.T) {
	s := openTest(t)
	if at, err := s.OldestPublicIncident(context.Background()); err != nil || !at.IsZero() {
		t.Fatalf("%v, %v", at, err)
	}
}

func TestPastMaintenances(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	seedPublic(t, s)
	n, err := s.CountPastMaintenances(ctx)
	if err != nil || n != 3 {
		t.Fatalf("count %d, %v", n, err)
	}
	page1, err := s.PastMaintenances(ctx, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	page2, err := s.PastMaintenances(ctx, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(page1) != 2 || len(page2) != 1 || page1[0].ScheduledFor.Before(page1[1].ScheduledFor) ||
		page1[1].Name != "cancelled" || page2[0].Name != "completed" || len(page2[0].Updates) != 1 {
		t.Fatalf("pages %+v %+v", page1, page2)
	}
	ups, err := s.RecentMaintenanceUpdates(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 3 || ups[0].MaintenanceName != "completed" || ups[0].Update.Body != "completed note" || ups[2].MaintenanceName != "completed" {
		t.Fatalf("updates %+v", ups)
	}
}

// TestFeedQueriesUseTimeIndexes: building a feed reads the latest updates
// from the time index and stops at the limit, rather than sorting every
// update ever written.
func TestFeedQueriesUseTimeIndexes(t *testing.T) {
	s := openTest(t)
	for q, index := range map[string]string{
		recentIncidentUpdatesQuery:    "incident_updates_at",
		recentMaintenanceUpdatesQuery: "maintenance_updates_at",
	} {
		p := queryPlan(t, s, q, 50)
		if !strings.Contains(p, index) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("plan %q: want a walk of %s with no sort", p, index)
		}
	}
}
