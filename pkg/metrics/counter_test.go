package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ampelstatus/ampel/pkg/status"
)

func TestCounterFunc(t *testing.T) {
	m := New()
	n := 3.0
	m.Counter("ampel_test_failures_total", "test", func() float64 { return n })
	want := `
# HELP ampel_test_failures_total test
# TYPE ampel_test_failures_total counter
ampel_test_failures_total 3
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "ampel_test_failures_total"); err != nil {
		t.Error(err)
	}
}

// TestConventions: failure counters exist at 0 for every known check and
// zone before the first failure (so rate() and absent() work); probe
// metrics carry the zone; what only grows is a counter named _total; and
// ampel_build_info names the version.
func TestConventions(t *testing.T) {
	m := New()
	m.KnownChecks(map[string][]string{"api": {"eu", "us"}, "web": {"eu"}})
	m.BuildInfo("1.2.3")
	m.ObserveResult(status.Result{Check: "api", Zone: "us", Outcome: status.Down, Duration: time.Second}, nil)
	m.ObserveAgent(AgentStatus{Zone: "us", Agent: "a1", SpoolDropped: 7})
	want := `
# HELP ampel_agent_spool_dropped_results_total Results an agent's spool dropped at its size or age bound, as the agent counts them.
# TYPE ampel_agent_spool_dropped_results_total counter
ampel_agent_spool_dropped_results_total{agent="a1",zone="us"} 7
# HELP ampel_probe_failures_total Probe runs whose outcome was down.
# TYPE ampel_probe_failures_total counter
ampel_probe_failures_total{check="api",zone="eu"} 0
ampel_probe_failures_total{check="api",zone="us"} 1
ampel_probe_failures_total{check="web",zone="eu"} 0
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "ampel_probe_failures_total", "ampel_agent_spool_dropped_results_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.probeLatency); n != 1 {
		t.Errorf("%d latency series, want the one check and zone observed", n)
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range families {
		if f.GetName() != "ampel_build_info" {
			continue
		}
		found = true
		labels := map[string]string{}
		for _, l := range f.GetMetric()[0].GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if f.GetMetric()[0].GetGauge().GetValue() != 1 || labels["version"] != "1.2.3" || !strings.HasPrefix(labels["goversion"], "go") || labels["revision"] == "" {
			t.Errorf("ampel_build_info %v", f.GetMetric()[0])
		}
	}
	if !found {
		t.Error("no ampel_build_info")
	}
}
