package ui

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestComponentPageSaysZonesReporting: with two of three zones stale the
// page says so, and the failure of the one zone left shows as a partial
// outage, not a major one (issue 15).
func TestComponentPageSaysZonesReporting(t *testing.T) {
	cfg := siteConfig(t)
	cfg.Zones = []config.Zone{{Name: "a", Kind: "remote"}, {Name: "b", Kind: "remote"}, {Name: "c", Kind: "remote"}}
	cfg.Components = []config.Component{{Slug: "api", Name: "API", GroupWeight: 1, Checks: []config.Check{
		{Name: "api-health", Kind: "http", Target: secretTarget, Zones: []string{"a", "b", "c"}, Interval: config.Duration(10 * time.Second), FailuresToDown: 1, SuccessesToUp: 1},
	}}}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	engine := state.New(cfg)
	h := New(Deps{
		Config: cfg, Engine: engine, Store: st, Gatherer: prometheus.NewRegistry(),
		Health: func() error { return nil }, Now: func() time.Time { return t0 }, Started: t0.Add(-time.Hour),
	})
	page := func() string {
		t.Helper()
		rec := get(h, "/components/api", "192.0.2.1:1", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	for _, z := range []string{"a", "b", "c"} {
		engine.Apply(result("api-health", z, t0.Add(-time.Minute), time.Millisecond, status.Up))
	}
	if body := page(); !strings.Contains(body, `<span class="reporting">3 of 3 zones reporting</span>`) {
		t.Fatalf("all fresh: the page does not say 3 of 3 zones report:\n%s", body)
	}
	engine.Apply(result("api-health", "c", t0.Add(-20*time.Second), time.Millisecond, status.Up))
	engine.Tick(t0)
	engine.Apply(result("api-health", "c", t0.Add(-10*time.Second), time.Millisecond, status.Down))
	body := page()
	for _, want := range []string{
		`<span class="reporting">1 of 3 zones reporting</span>`,
		`API: <span data-live="text">Partial Outage</span>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("two zones stale: the page lacks %q", want)
		}
	}
}
