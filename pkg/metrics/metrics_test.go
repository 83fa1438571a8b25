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
	names := []string{"ampel_check_up", "ampel_probe_failures_total", "ampel_scheduler_skipped_total", "ampel_store_commit_errors_total", "ampel_test_queue"}
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
