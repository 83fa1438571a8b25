package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
	"github.com/ampelstatus/ampel/ui"
)

// overlayRig is the operator API and the public JSON over a real temporary
// store, wired like serve: incident and maintenance changes re-apply the
// overrides through ingest.
type overlayRig struct {
	t      *testing.T
	st     *store.Store
	w      *store.Writer
	engine *state.Engine
	in     *ingest.Ingest
	h      http.Handler
	now    time.Time
	token  string
	apply  func(context.Context)
}

var overlayT0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func overlayConfig() *config.Config {
	check := func(name string) []config.Check {
		return []config.Check{{Name: name, Zones: []string{"local"}, FailuresToDown: 1, SuccessesToUp: 1, Interval: config.Duration(time.Hour)}}
	}
	return &config.Config{
		Site:     config.Site{Title: "Example Status", PublicURL: "https://status.example.com"},
		Location: time.UTC,
		Components: []config.Component{
			{Slug: "api", Name: "API", Checks: check("api-health")},
			{Slug: "web", Name: "Web", Checks: check("web-home")},
		},
	}
}

func newOverlayRig(t *testing.T, st *store.Store) *overlayRig {
	t.Helper()
	cfg := overlayConfig()
	r := &overlayRig{t: t, st: st, engine: state.New(cfg), now: overlayT0, token: "ampel_op_overlay"}
	r.w = st.StartWriter(store.WriterOptions{})
	r.in = ingest.New(r.engine, r.w, nil)
	r.apply = overlayer(st, r.in.Override, slog.New(slog.DiscardHandler), func() time.Time { return r.now })
	r.h = ui.New(ui.Deps{Config: cfg, Engine: r.engine, Store: st, Started: overlayT0,
		Now: func() time.Time { return r.now }, OnIncidentChange: r.apply})
	return r
}

func (r *overlayRig) do(method, path, body string) map[string]any {
	r.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	if rec.Code/100 != 2 {
		r.t.Fatalf("%s %s = %d %s", method, path, rec.Code, rec.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	return out
}

// status is a component's status in /api/v2/components.json.
func (r *overlayRig) status(id string) string {
	r.t.Helper()
	var body struct {
		Components []struct{ ID, Status string }
	}
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v2/components.json", nil))
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		r.t.Fatalf("components.json: %v: %s", err, rec.Body)
	}
	for _, c := range body.Components {
		if c.ID == id {
			return c.Status
		}
	}
	r.t.Fatalf("components.json has no %s: %s", id, rec.Body)
	return ""
}

// last is the component's latest change as committed to state_changes.
func (r *overlayRig) last(slug string) status.Change {
	r.t.Helper()
	if err := r.w.Flush(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	ch, err := r.st.Changes(context.Background(), status.Component, slug, overlayT0.Add(-time.Hour), overlayT0.Add(24*time.Hour))
	if err != nil || len(ch) == 0 {
		r.t.Fatalf("changes of %s: %v %v", slug, ch, err)
	}
	return ch[len(ch)-1]
}

func (r *overlayRig) want(slug, shown string, to status.Level, cause string, at time.Time) {
	r.t.Helper()
	if got := r.status(slug); got != shown {
		r.t.Errorf("%s shows %s, want %s", slug, got, shown)
	}
	if c := r.last(slug); c.To != to || c.Cause != cause || !c.At.Equal(at) {
		r.t.Errorf("%s last change to %s at %s (%q), want to %s at %s (%q)", slug, c.To, c.At, c.Cause, to, at, cause)
	}
}

// TestIncidentsAndMaintenanceOverrideComponents runs an incident and a
// maintenance window through the operator API while the probes say up,
// and checks the public JSON and the recorded history at each step, and
// that a restart lays the open ones over the probes again.
func TestIncidentsAndMaintenanceOverrideComponents(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := newOverlayRig(t, st)
	if _, err := st.CreateToken(ctx, store.Token{Kind: store.TokenOperator, Role: store.RoleOperator, Name: "bot"}, r.token, overlayT0); err != nil {
		t.Fatal(err)
	}
	for _, chk := range []string{"api-health", "web-home"} {
		r.in.Handle(status.Result{Check: chk, Zone: "local", Start: overlayT0, Outcome: status.Up})
	}
	r.want("api", "operational", status.Up, "all checks up", overlayT0)

	r.now = overlayT0.Add(time.Minute)
	inc := r.do(http.MethodPost, "/api/v1/incidents", `{"name":"Elevated API errors","components":{"api":"major_outage"}}`)
	id := int64(inc["id"].(float64))
	cause := fmt.Sprintf("incident %d: Elevated API errors", id)
	r.want("api", "major_outage", status.Down, cause, r.now)
	if c, _ := r.engine.Component("api"); c.Source != state.SourceIncident {
		t.Errorf("api source = %s, want incident", c.Source)
	}
	r.want("web", "operational", status.Up, "all checks up", overlayT0)

	r.now = overlayT0.Add(2 * time.Minute)
	m := r.do(http.MethodPost, "/api/v1/maintenances", `{"name":"CDN swap","status":"in_progress","component_ids":["web","api"],
		"scheduled_for":"2026-11-23T12:00:00Z","scheduled_until":"2026-11-23T14:00:00+01:00"}`)
	mid := int64(m["id"].(float64))
	mCause := fmt.Sprintf("maintenance %d: CDN swap", mid)
	r.want("web", "under_maintenance", status.Maintenance, mCause, r.now)
	if c, _ := r.engine.Component("web"); c.Source != state.SourceMaintenance {
		t.Errorf("web source = %s, want maintenance", c.Source)
	}
	// The incident's major outage outranks the maintenance.
	r.want("api", "major_outage", status.Down, cause, overlayT0.Add(time.Minute))

	// Ampel restarts: serve recovers, then lays the open incident and
	// window over the probes before the first result.
	if err := r.w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r = newOverlayRig(t, st)
	r.now = overlayT0.Add(3 * time.Minute)
	if _, err := r.in.Recover(ctx, st); err != nil {
		t.Fatal(err)
	}
	r.apply(ctx)
	for _, chk := range []string{"api-health", "web-home"} {
		r.in.Handle(status.Result{Check: chk, Zone: "local", Start: r.now, Outcome: status.Up})
	}
	r.want("api", "major_outage", status.Down, cause, r.now)
	r.want("web", "under_maintenance", status.Maintenance, mCause, r.now)

	r.now = overlayT0.Add(4 * time.Minute)
	r.do(http.MethodPatch, fmt.Sprintf("/api/v1/incidents/%d", id), `{"status":"resolved","body":"Fixed."}`)
	r.want("api", "under_maintenance", status.Maintenance, mCause, r.now)

	r.now = overlayT0.Add(5 * time.Minute)
	r.do(http.MethodPatch, fmt.Sprintf("/api/v1/maintenances/%d", mid), `{"status":"completed"}`)
	r.want("api", "operational", status.Up, "all checks up", r.now)
	r.want("web", "operational", status.Up, "all checks up", r.now)
	if err := r.w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
