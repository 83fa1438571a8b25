package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Agent is what an agent serves about itself at --metrics-listen: how
// late its probe runs start, under the names serve uses for its own
// zones, and its spool. The server sees a remote zone's results but not
// their lag, since the due time never leaves the agent.
type Agent struct {
	Registry *prometheus.Registry
	lag      prometheus.Histogram
	skipped  prometheus.Counter
}

// SpoolCounts is what an agent's spool holds (Depth) and has dropped at
// its bounds, ever (Dropped).
type SpoolCounts struct{ Depth, Dropped int64 }

// NewAgent registers an agent's metrics; spool is read at each scrape.
func NewAgent(spool func() SpoolCounts) *Agent {
	a := &Agent{Registry: prometheus.NewRegistry(), lag: newSchedLag(), skipped: newSchedSkipped()}
	a.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		a.lag, a.skipped,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ampel_agent_spool_results",
			Help: "Results waiting in this agent's spool for the server.",
		}, func() float64 { return float64(spool().Depth) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ampel_agent_spool_dropped_results_total",
			Help: "Results this agent's spool dropped at its size or age bound.",
		}, func() float64 { return float64(spool().Dropped) }),
	)
	return a
}

// ObserveLag records how late a probe run started.
func (a *Agent) ObserveLag(lag time.Duration) { a.lag.Observe(lag.Seconds()) }

// Skipped counts a skipped probe run.
func (a *Agent) Skipped() { a.skipped.Inc() }

func newSchedLag() prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "ampel_scheduler_lag_seconds",
		Help:    "How late probe runs start against their due time.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 5},
	})
}

func newSchedSkipped() prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ampel_scheduler_skipped_total",
		Help: "Probe runs skipped because the previous run was still going or the scheduler fell behind.",
	})
}
