package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/autoincident"
	"github.com/ampelstatus/ampel/store"
)

// TestServeRunsTheClockAndAutomation runs a real ampel serve process: at
// start its clock completes a window missed while it was down and starts
// one due, which the page shows; then an outage of a component with
// automation opens an incident that the page shows, and its recovery
// resolves it.
func TestServeRunsTheClockAndAutomation(t *testing.T) {
	target, failing := flipTarget(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ampel.toml")
	cfg := fmt.Sprintf(`
[server]
listen = "127.0.0.1:0"
shutdown_timeout = "5s"
[storage]
path = "ampel.db"
[[components]]
slug = "api"
name = "API"
  [components.auto_incident]
  stable_for = "1s"
  [[components.checks]]
  name = "api-health"
  kind = "http"
  target = %[1]q
  interval = "1s"
  timeout = "1s"
  failures_to_down = 1
[[components]]
slug = "web"
name = "Web"
  [[components.checks]]
  name = "web-home"
  kind = "http"
  target = %[1]q
  interval = "1s"
  timeout = "1s"
`, target.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ops := store.Actor{Kind: store.ActorCLI, Name: "test"}
	now := time.Now()
	window := func(name string, from, until time.Time) int64 {
		m, err := st.CreateMaintenance(ctx, store.Maintenance{Name: name, Status: "scheduled", ScheduledFor: from, ScheduledUntil: until,
			ComponentIDs: []string{"web"}, AutoStart: true, AutoComplete: true},
			store.MaintenanceUpdate{Status: "scheduled", Body: "Planned.", Author: "test", At: now.Add(-3 * time.Hour)}, ops, now.Add(-3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	missed := window("Missed", now.Add(-2*time.Hour), now.Add(-time.Hour))
	due := window("Due", now.Add(-time.Minute), now.Add(time.Hour))

	cmd, base, stderr := startAmpel(t, cfgPath)
	eventually(t, 10*time.Second, "web under maintenance", func() bool { return componentStatus(t, base, "web") == "under_maintenance" })
	for id, want := range map[int64]string{missed: "completed", due: "in_progress"} {
		m, err := st.Maintenance(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != want {
			t.Errorf("window %q is %s, want %s", m.Name, m.Status, want)
		}
	}

	eventually(t, 10*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })
	failing.Store(true)
	var id int64
	eventually(t, 15*time.Second, "an automatic incident for api", func() bool {
		inc, err := st.OpenAutoIncident(ctx, "api")
		id = inc.ID
		return err == nil
	})
	eventually(t, 10*time.Second, "api shown in major outage", func() bool { return componentStatus(t, base, "api") == "major_outage" })
	failing.Store(false)
	eventually(t, 20*time.Second, "the incident resolved", func() bool {
		inc, err := st.Incident(ctx, id)
		return err == nil && inc.Status == "resolved"
	})
	eventually(t, 10*time.Second, "api operational again", func() bool { return componentStatus(t, base, "api") == "operational" })
	inc, err := st.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, u := range inc.Updates {
		statuses = append(statuses, u.Status)
		if u.Author != autoincident.Author {
			t.Errorf("update by %q", u.Author)
		}
	}
	if fmt.Sprint(statuses) != "[investigating monitoring resolved]" {
		t.Errorf("timeline %v", statuses)
	}

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "\nampel_auto_incidents_held_total 0\n") {
		t.Errorf("/metrics lacks ampel_auto_incidents_held_total")
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
	}
}
