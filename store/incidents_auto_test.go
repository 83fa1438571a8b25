package store

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

func TestOpenAutoIncidentAndLastResolved(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	bot := Actor{Kind: ActorCLI, Name: "ampel (automation)"}
	create := func(name, component string, at time.Time) Incident {
		t.Helper()
		inc, err := s.CreateIncident(ctx, Incident{Name: name, Status: "investigating", Impact: "critical",
			Components: map[string]string{"api": "major_outage"}, Started: at, AutoComponent: component},
			IncidentUpdate{Status: "investigating", Body: "Looking.", Author: "Ampel", At: at}, bot, at)
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	resolve := func(id int64, at time.Time) {
		t.Helper()
		if _, err := s.EditIncident(ctx, id, bot, "incident.update", at, func(i *Incident) (*IncidentUpdate, error) {
			i.Status, i.Resolved = "resolved", at
			return &IncidentUpdate{Status: "resolved", Body: "Fixed.", Author: "Ampel", At: at}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	if _, err := s.OpenAutoIncident(ctx, "api"); !errors.Is(err, ErrNoIncident) {
		t.Fatalf("empty store: err %v, want ErrNoIncident", err)
	}
	if at, err := s.LastAutoResolved(ctx, "api"); err != nil || !at.IsZero() {
		t.Fatalf("empty store: last resolved %v, %v; want zero", at, err)
	}

	// A person's incident on the same component is not automatic.
	create("By hand", "", t0)
	first := create("API is unavailable", "api", t0.Add(time.Minute))
	create("Web is unavailable", "web", t0.Add(2*time.Minute))
	got, err := s.OpenAutoIncident(ctx, "api")
	if err != nil || got.ID != first.ID || got.AutoComponent != "api" || len(got.Updates) != 1 {
		t.Fatalf("open = %+v, %v; want incident %d with its timeline", got, err, first.ID)
	}

	resolve(first.ID, t0.Add(time.Hour))
	if _, err := s.OpenAutoIncident(ctx, "api"); !errors.Is(err, ErrNoIncident) {
		t.Errorf("after resolution: err %v, want ErrNoIncident", err)
	}
	second := create("API is unavailable", "api", t0.Add(2*time.Hour))
	resolve(second.ID, t0.Add(3*time.Hour))
	third := create("API is unavailable", "api", t0.Add(4*time.Hour))
	if got, err := s.OpenAutoIncident(ctx, "api"); err != nil || got.ID != third.ID {
		t.Errorf("open = %d, %v; want %d", got.ID, err, third.ID)
	}
	if at, err := s.LastAutoResolved(ctx, "api"); err != nil || !at.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("last resolved = %v, %v; want %v", at, err, t0.Add(3*time.Hour))
	}
	if at, err := s.LastAutoResolved(ctx, "web"); err != nil || !at.IsZero() {
		t.Errorf("web last resolved = %v, %v; want zero (still open)", at, err)
	}
	// The batched read agrees with the lookups: the newest open one of
	// each component, none for the operator's incident.
	fourth := create("API is unavailable again", "api", t0.Add(5*time.Hour))
	ids, err := s.OpenAutoIncidentIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	web, err := s.OpenAutoIncident(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"api": fourth.ID, "web": web.ID}; !maps.Equal(ids, want) {
		t.Errorf("open automatic incidents %v, want %v", ids, want)
	}
}

// TestOpenAutoIncidentUsesItsIndex: the lookup runs on every evaluation
// of a component and must not scan the incidents table.
func TestOpenAutoIncidentUsesItsIndex(t *testing.T) {
	s := openTest(t)
	if p := queryPlan(t, s, openAutoIncidentQuery, "api"); !strings.Contains(p, "incidents_auto_open") {
		t.Errorf("plan %q does not use incidents_auto_open", p)
	}
	if p := queryPlan(t, s, openAutoIncidentsQuery); !strings.Contains(p, "incidents_auto_open") {
		t.Errorf("plan %q of the batched read does not use incidents_auto_open", p)
	}
}

// queryPlan returns SQLite's plan for q, its steps joined by "; ".
func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.rdb.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}
