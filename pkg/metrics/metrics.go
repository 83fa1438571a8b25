// Package metrics holds Ampel's own Prometheus metrics, on a registry of
// its own so that nothing is global and tests can build as many as they
// like.
package metrics

import (
	"runtime"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Metrics are the collectors Ampel updates. Build them with New.
type Metrics struct {
	Registry *prometheus.Registry

	// perZone: probeLatency and probeErrors are labelled by zone only,
	// and checksByZone counts checks up and down in place of checkUp.
	perZone        bool
	checkUp        *prometheus.GaugeVec
	checksByZone   *checksByZone
	probeLatency   *prometheus.HistogramVec
	probeErrors    *prometheus.CounterVec
	componentLevel *prometheus.GaugeVec
	schedLag       prometheus.Histogram
	schedSkipped   prometheus.Counter
	batchResults   prometheus.Histogram
	commitSeconds  prometheus.Histogram
	commitErrors   prometheus.Counter
	agents         agentVecs
	alerts         alertVecs
	hooks          hookVecs
}

// Options shape the metrics New registers.
type Options struct {
	// PerZone keeps the probe latency histogram and the failure counter
	// per zone instead of per check and zone: at 100,000 checks the
	// per-check histograms alone take about 100 MB and 1.3 million series
	// a scrape. It counts the checks up and down in each zone
	// (ampel_checks_up, ampel_checks_down) instead of ampel_check_up per
	// check and zone, which alone is 100,000 series and 5 MB a scrape
	// there: an alert then says that checks are down in a zone, and the
	// component gauges, the console and the pages say which. A check's
	// latency shows only in the store (the component pages' charts) and
	// in its zone's histogram.
	PerZone bool
}

// New registers Ampel's metrics, per check, and the Go and process
// collectors.
func New() *Metrics { return NewWith(Options{}) }

// NewWith registers Ampel's metrics shaped by opts, and the Go and
// process collectors.
func NewWith(opts Options) *Metrics {
	probeLabels, by := []string{"check", "zone"}, ""
	if opts.PerZone {
		probeLabels, by = []string{"zone"}, " All checks of a zone together (metrics.per_check = false)."
	}
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		perZone:  opts.PerZone,
		checkUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ampel_check_up",
			Help: "Whether the last probe of a check in a zone succeeded (1: up or degraded, 0: down).",
		}, []string{"check", "zone"}),
		probeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ampel_probe_duration_seconds",
			Help:    "Duration of probe runs." + by,
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, probeLabels),
		probeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ampel_probe_failures_total",
			Help: "Probe runs whose outcome was down." + by,
		}, probeLabels),
		componentLevel: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ampel_component_status",
			Help: "Current status of a component: 1 for its status, 0 for the others.",
		}, []string{"component", "status"}),
		schedLag:     newSchedLag(),
		schedSkipped: newSchedSkipped(),
		batchResults: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ampel_store_batch_results",
			Help:    "Results committed per store transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 7),
		}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ampel_store_commit_seconds",
			Help:    "Time to commit one batch to SQLite.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ampel_store_commit_errors_total",
			Help: "Failed store commits (the batch is kept and retried).",
		}),
	}
	up := prometheus.Collector(m.checkUp)
	if opts.PerZone {
		m.checksByZone = newChecksByZone()
		up = m.checksByZone
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		up, m.probeLatency, m.probeErrors, m.componentLevel,
		m.schedLag, m.schedSkipped, m.batchResults, m.commitSeconds, m.commitErrors,
	)
	m.registerAgents()
	return m
}

// ObserveResult records a result and the component changes it caused.
// A zero Result (Check empty) carries changes that no result caused, such
// as a zone going stale.
func (m *Metrics) ObserveResult(r status.Result, changes []status.Change) {
	if r.Check == "" || r.Instance != "" {
		// A pod's own result: the set's result speaks for the check.
		m.observeChanges(changes)
		return
	}
	up := 1.0
	if r.Outcome == status.Down {
		up = 0
		m.probeErrors.WithLabelValues(m.probeLabels(r.Check, r.Zone)...).Inc()
	}
	if m.checksByZone != nil {
		m.checksByZone.observe(r.Check, r.Zone, up == 1)
	} else {
		m.checkUp.WithLabelValues(r.Check, r.Zone).Set(up)
	}
	m.probeLatency.WithLabelValues(m.probeLabels(r.Check, r.Zone)...).Observe(r.Duration.Seconds())
	m.observeChanges(changes)
}

// probeLabels are the label values of the probe latency and failure
// metrics for a check in a zone.
func (m *Metrics) probeLabels(check, zone string) []string {
	if m.perZone {
		return []string{zone}
	}
	return []string{check, zone}
}

// KnownChecks starts the failure counter of every check in each of its
// zones at 0 (check name → zones), so rate() and absent() work before
// the first failure instead of seeing no series.
func (m *Metrics) KnownChecks(zones map[string][]string) {
	for check, zs := range zones {
		for _, z := range zs {
			m.probeErrors.WithLabelValues(m.probeLabels(check, z)...)
			if m.checksByZone != nil {
				m.checksByZone.known(z)
			}
		}
	}
}

func (m *Metrics) observeChanges(changes []status.Change) {
	for _, c := range changes {
		if c.Kind == status.Component {
			m.SetComponent(c.Subject, c.To)
		}
	}
}

var componentLevels = []status.Level{status.NoData, status.Up, status.Degraded, status.Partial, status.Down, status.Maintenance}

// SetComponent sets a component's status gauge.
func (m *Metrics) SetComponent(slug string, level status.Level) {
	for _, l := range componentLevels {
		v := 0.0
		if l == level {
			v = 1
		}
		m.componentLevel.WithLabelValues(slug, l.String()).Set(v)
	}
}

// ObserveLag records how late a probe run started.
func (m *Metrics) ObserveLag(lag time.Duration) { m.schedLag.Observe(lag.Seconds()) }

// Skipped counts a skipped probe run.
func (m *Metrics) Skipped() { m.schedSkipped.Inc() }

// ObserveCommit records one store commit attempt.
func (m *Metrics) ObserveCommit(results int, took time.Duration, err error) {
	if err != nil {
		m.commitErrors.Inc()
		return
	}
	m.batchResults.Observe(float64(results))
	m.commitSeconds.Observe(took.Seconds())
}

// BuildInfo registers ampel_build_info: always 1, with the version, the
// Go version and the VCS revision the binary was built from as labels.
func (m *Metrics) BuildInfo(version string) {
	revision := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "ampel_build_info",
		Help:        "Which Ampel this is: always 1, with its version, Go version and VCS revision as labels.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version(), "revision": revision},
	})
	g.Set(1)
	m.Registry.MustRegister(g)
}

// Gauge registers a gauge read from f at scrape time.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// Counter registers a counter read from f at scrape time; f must never
// decrease.
func (m *Metrics) Counter(name, help string, f func() float64) {
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
}

// GaugeWith registers a gauge with constant labels, read from f at scrape
// time.
func (m *Metrics) GaugeWith(name, help string, labels map[string]string, f func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, f))
}
