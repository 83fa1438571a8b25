package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// agentVecs describe remote agents for operators: a silent agent, a
// growing spool, dropped results or a skewed clock show here, never on
// the public page.
type agentVecs struct {
	lastSeen, spoolDepth, clockOffset, gap, acked *prometheus.GaugeVec
	spoolDropped                                  *reportedCounter
}

func (m *Metrics) registerAgents() {
	vec := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"zone", "agent"})
	}
	a := &m.agents
	a.lastSeen = vec("ampel_agent_last_seen_timestamp_seconds", "When the server last received a push from an agent (server clock).")
	a.spoolDepth = vec("ampel_agent_spool_results", "Results waiting in an agent's spool, as it reported in its last push.")
	a.spoolDropped = newReportedCounter("ampel_agent_spool_dropped_results_total", "Results an agent's spool dropped at its size or age bound, as the agent counts them.")
	a.clockOffset = vec("ampel_agent_clock_offset_seconds", "Agent clock minus server clock at the last push; beyond ±30s results from the future are rejected.")
	a.gap = vec("ampel_agent_sequence_gap_results", "Sequence numbers of an agent that never arrived at the server, ever.")
	a.acked = vec("ampel_agent_acked_sequence", "Highest sequence number of an agent the server committed.")
	m.Registry.MustRegister(a.lastSeen, a.spoolDepth, a.spoolDropped, a.clockOffset, a.gap, a.acked)
}

// AgentStatus is what ObserveAgent records.
type AgentStatus struct {
	Zone, Agent              string
	LastSeen                 time.Time
	SpoolDepth, SpoolDropped int64
	ClockOffset              time.Duration
	Gap, Acked               int64
}

// ObserveAgent records an agent's latest push.
func (m *Metrics) ObserveAgent(s AgentStatus) {
	a := &m.agents
	a.lastSeen.WithLabelValues(s.Zone, s.Agent).Set(float64(s.LastSeen.UnixMilli()) / 1000)
	a.spoolDepth.WithLabelValues(s.Zone, s.Agent).Set(float64(s.SpoolDepth))
	a.spoolDropped.set(s.Zone, s.Agent, float64(s.SpoolDropped))
	a.clockOffset.WithLabelValues(s.Zone, s.Agent).Set(s.ClockOffset.Seconds())
	a.gap.WithLabelValues(s.Zone, s.Agent).Set(float64(s.Gap))
	a.acked.WithLabelValues(s.Zone, s.Agent).Set(float64(s.Acked))
}

// reportedCounter is a counter whose value an agent reports (its spool's
// own count) rather than one Ampel increments: exposed as a counter, so a
// lower value (the agent lost its spool) reads as a reset to rate().
type reportedCounter struct {
	desc *prometheus.Desc
	mu   sync.Mutex
	v    map[[2]string]float64 // by zone and agent; guarded by mu
}

func newReportedCounter(name, help string) *reportedCounter {
	return &reportedCounter{desc: prometheus.NewDesc(name, help, []string{"zone", "agent"}, nil), v: map[[2]string]float64{}}
}

func (r *reportedCounter) set(zone, agent string, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.v[[2]string{zone, agent}] = v
}

func (r *reportedCounter) Describe(ch chan<- *prometheus.Desc) { ch <- r.desc }

func (r *reportedCounter) Collect(ch chan<- prometheus.Metric) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range r.v {
		ch <- prometheus.MustNewConstMetric(r.desc, prometheus.CounterValue, v, k[0], k[1])
	}
}

// zoneChecks reports, at scrape time, how many checks each zone observes
// (fresh) and how many it stopped reporting (stale).
type zoneChecks struct {
	desc *prometheus.Desc
	read func() map[string][2]int
}

func (z zoneChecks) Describe(ch chan<- *prometheus.Desc) { ch <- z.desc }

func (z zoneChecks) Collect(ch chan<- prometheus.Metric) {
	for zone, n := range z.read() {
		ch <- prometheus.MustNewConstMetric(z.desc, prometheus.GaugeValue, float64(n[0]), zone, "fresh")
		ch <- prometheus.MustNewConstMetric(z.desc, prometheus.GaugeValue, float64(n[1]), zone, "stale")
	}
}

// ZoneFreshness registers ampel_zone_checks, read from read (zone →
// fresh and stale counts) at every scrape.
func (m *Metrics) ZoneFreshness(read func() map[string][2]int) {
	m.Registry.MustRegister(zoneChecks{
		desc: prometheus.NewDesc("ampel_zone_checks", "Checks a zone observes now (freshness=\"fresh\") or stopped reporting for three intervals (\"stale\").",
			[]string{"zone", "freshness"}, nil),
		read: read,
	})
}
