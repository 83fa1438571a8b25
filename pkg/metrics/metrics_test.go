package metrics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ampelstatus/ampel/pkg/status"
)

func TestObservations(t *testing.T) {
	m := New()
	m.ObserveResult(status.Result{Check: "api", Zone: "eu", Outcome: status.Up, Duration: 30 * time.Millisecond},
		[]status.Change{{Kind: status.Component, Subject: "api", To: status.Up}})
	m.ObserveResult(status.Result{Check: "api", Zone: "us", Outcome: status.Down, Duration: time.Second},
		[]status.Change{{Kind: status.Component, Subject: "api", To: status.Partial}})
	m.ObserveLag(2 * time.Millisecond)
	m.Skipped()
	m.ObserveCommit(100, 3*time.Millisecond, nil)
	m.ObserveCommit(50, time.Millisecond, errors.New("disk full"))
	m.Gauge("ampel_test_queue", "test", func() float64 { return 7 })

	want := `
# HELP ampel_check_up Whether the last probe of a check in a zone succeeded (1: up or degraded, 0: down).
# TYPE ampel_check_up gauge
ampel_check_up{check="api",zone="eu"} 1
ampel_check_up{check="api",zone="us"} 0
# HELP ampel_probe_failures_total Probe runs whose outcome was down.
# TYPE ampel_probe_failures_total counter
ampel_probe_failures_total{check="api",zone="us"} 1
# HELP ampel_scheduler_skipped_total Probe runs skipped because the previous run was still going or the scheduler fell behind.
# TYPE ampel_scheduler_skipped_total counter
ampel_scheduler_skipped_total 1
# HELP ampel_store_commit_errors_total Failed store commits (the batch is kept and retried).
# TYPE ampel_store_commit_errors_total counter
ampel_store_commit_errors_total 1
# HELP ampel_test_queue test
# TYPE ampel_test_queue gauge
ampel_test_queue 7
`
	names := []string{"ampel_check_up", "ampel_checks_up", "ampel_checks_down", "ampel_probe_failures_total", "ampel_scheduler_skipped_total", "ampel_store_commit_errors_total", "ampel_test_queue"}
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.componentLevel.WithLabelValues("api", "partial")); got != 1 {
		t.Errorf("component partial gauge %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.componentLevel.WithLabelValues("api", "up")); got != 0 {
		t.Errorf("component up gauge %v after partial, want 0", got)
	}
	if n := testutil.CollectAndCount(m.probeLatency); n != 2 {
		t.Errorf("%d latency series, want 1 per check and zone", n)
	}
	if n := testutil.CollectAndCount(m.batchResults); n != 1 {
		t.Errorf("batch histogram has %d series", n)
	}
}

// TestPerZone: with PerZone the latency histogram and the failure counter
// have one series per zone, summing every check of the zone, and so do
// the checks up and down (ampel_checks_up, ampel_checks_down) in place of
// ampel_check_up per check: a check counts where its last probe in the
// zone left it, and in neither before its first.
func TestPerZone(t *testing.T) {
	m := NewWith(Options{PerZone: true})
	m.KnownChecks(map[string][]string{"api": {"eu", "us"}, "web": {"eu"}, "docs": {"eu", "ap"}})
	m.ObserveResult(status.Result{Check: "api", Zone: "eu", Outcome: status.Down, Duration: time.Second}, nil)
	m.ObserveResult(status.Result{Check: "web", Zone: "eu", Outcome: status.Up, Duration: time.Second}, nil)
	m.ObserveResult(status.Result{Check: "web", Zone: "eu", Outcome: status.Down, Duration: time.Second}, nil)
	m.ObserveResult(status.Result{Check: "api", Zone: "us", Outcome: status.Up, Duration: time.Millisecond}, nil)
	m.ObserveResult(status.Result{Check: "api", Zone: "us", Outcome: status.Degraded, Duration: time.Millisecond}, nil)
	m.ObserveResult(status.Result{Check: "docs", Zone: "eu", Outcome: status.Down, Duration: time.Millisecond}, nil)
	m.ObserveResult(status.Result{Check: "docs", Zone: "eu", Outcome: status.Up, Duration: time.Millisecond}, nil)
	m.ObserveResult(status.Result{Check: "docs", Zone: "eu", Instance: "10.0.0.1:80", Outcome: status.Down}, nil) // a pod's own
	want := `
# HELP ampel_checks_down Checks whose last probe in the zone failed (metrics.per_check = false; per check: ampel_check_up).
# TYPE ampel_checks_down gauge
ampel_checks_down{zone="ap"} 0
ampel_checks_down{zone="eu"} 2
ampel_checks_down{zone="us"} 0
# HELP ampel_checks_up Checks whose last probe in the zone succeeded, up or degraded (metrics.per_check = false; per check: ampel_check_up).
# TYPE ampel_checks_up gauge
ampel_checks_up{zone="ap"} 0
ampel_checks_up{zone="eu"} 1
ampel_checks_up{zone="us"} 1
# HELP ampel_probe_failures_total Probe runs whose outcome was down. All checks of a zone together (metrics.per_check = false).
# TYPE ampel_probe_failures_total counter
ampel_probe_failures_total{zone="ap"} 0
ampel_probe_failures_total{zone="eu"} 3
ampel_probe_failures_total{zone="us"} 0
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "ampel_probe_failures_total", "ampel_checks_up", "ampel_checks_down", "ampel_check_up"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.probeLatency); n != 2 {
		t.Errorf("%d latency series, want one per zone observed", n)
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "ampel_probe_duration_seconds" {
			continue
		}
		for _, s := range f.GetMetric() {
			want := map[string]uint64{"eu": 5, "us": 2}[s.GetLabel()[0].GetValue()]
			if got := s.GetHistogram().GetSampleCount(); got != want {
				t.Errorf("zone %s: %d latency samples, want %d", s.GetLabel()[0].GetValue(), got, want)
			}
		}
	}
}
