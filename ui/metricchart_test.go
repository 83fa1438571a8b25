package ui

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestComponentMetricCharts: the component page charts a metrics check's
// stored values for 24 hours and 7 days, shows its condition but never its
// target, and says so when a metrics check has no values yet.
func TestComponentMetricCharts(t *testing.T) {
	ctx := context.Background()
	metrics := func(name, cond string) config.Check {
		return config.Check{Name: name, Kind: "metrics", Target: secretTarget, Zones: []string{"eu", "us"}, Metrics: &config.Metrics{Condition: cond}}
	}
	cfg := &config.Config{
		Location: time.UTC,
		Zones:    []config.Zone{{Name: "eu", Kind: "local"}, {Name: "us", Kind: "local"}},
		Components: []config.Component{{Slug: "queue", Name: "Queue", Checks: []config.Check{
			metrics("queue-errors", `errors_ratio{job="q"} < 0.05`),
			metrics("queue-up", "up == 1"),
			{Name: "queue-http", Kind: "http", Target: secretTarget, Zones: []string{"eu"}},
		}}},
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := st.StartWriter(store.WriterOptions{})
	// Two days of values every 10 minutes in two zones, 0.01 in eu and
	// 0.03 in us, and one result without a value (the metric was gone).
	var rs []status.Result
	for at := t0.Add(-48 * time.Hour); at.Before(t0); at = at.Add(10 * time.Minute) {
		rs = append(rs,
			status.Result{Check: "queue-errors", Zone: "eu", Start: at, Outcome: status.Up, Value: 0.01, HasValue: true},
			status.Result{Check: "queue-errors", Zone: "us", Start: at, Outcome: status.Up, Value: 0.03, HasValue: true})
	}
	rs = append(rs, status.Result{Check: "queue-errors", Zone: "eu", Start: t0.Add(time.Second), Outcome: status.Down, Reason: "metric not found"})
	w.Write(rs, nil)
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	h := New(Deps{Config: cfg, Engine: state.New(cfg), Store: st, Now: func() time.Time { return t0.Add(time.Minute) }})

	rec := get(h, "/components/queue", "192.0.2.1:1", nil)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("GET: %d %s", rec.Code, body)
	}
	_, section, ok := strings.Cut(body, `<h2 id="metrics-title">Metrics</h2>`)
	if !ok {
		t.Fatalf("no metrics section:\n%s", body)
	}
	section, _, _ = strings.Cut(section, "</section>")
	errCharts, upCharts, ok := strings.Cut(section, "<h3 class=\"check\">queue-up: <code>up == 1</code></h3>")
	if !ok || !strings.Contains(errCharts, "<h3 class=\"check\">queue-errors: <code>errors_ratio{job=&#34;q&#34;} &lt; 0.05</code></h3>") {
		t.Fatalf("metrics section lacks the checks' headings:\n%s", section)
	}
	for _, want := range []string{
		`aria-label="Last 24 hours: average 0.02, lowest 0.01, highest 0.03"`,
		`aria-label="Last 7 days: average 0.02, lowest 0.01, highest 0.03"`,
		`<span class="y y-top" aria-hidden="true">0.05</span>`,
	} {
		if !strings.Contains(errCharts, want) {
			t.Errorf("queue-errors charts lack %q:\n%s", want, errCharts)
		}
	}
	// Three lines (highest, lowest, average) in each chart. The 24-hour
	// chart spans the hour under way (11:00, no value yet) and the 23
	// before it: one unbroken run of 23 points.
	lines := regexp.MustCompile(`<polyline class="(p50|p95)" points="([^"]*)"/>`).FindAllStringSubmatch(errCharts, -1)
	if len(lines) != 6 {
		t.Fatalf("%d polylines, want 6:\n%s", len(lines), errCharts)
	}
	if pts := strings.Fields(lines[2][2]); lines[2][1] != "p50" || len(pts) != 23 {
		t.Errorf("24-hour average: class %s, %d points, want p50 and 23", lines[2][1], len(pts))
	}
	if n := strings.Count(upCharts, "No values in this period yet"); n != 2 {
		t.Errorf("queue-up without values: %d empty states, want 2:\n%s", n, upCharts)
	}
	if strings.Contains(section, "queue-http") || strings.Contains(body, "internal-api") {
		t.Error("the page charts a check that is not a metrics check, or shows a target")
	}
}
