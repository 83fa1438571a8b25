package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// alertVecs count the alert dispatcher's attempts; registered on first
// use, so an Ampel without alert channels shows none of them.
type alertVecs struct {
	once     sync.Once
	attempts *prometheus.CounterVec
	givenUp  *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// alertOutcomes are the outcomes of an attempt.
var alertOutcomes = []string{"delivered", "retry", "failed"}

func (m *Metrics) registerAlerts() {
	a := &m.alerts
	a.once.Do(func() {
		a.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ampel_alert_attempts_total",
			Help: "Attempts to deliver operator alerts, by channel and outcome (delivered, retry: 5xx, 429, timeout or unreachable, failed: refused for good).",
		}, []string{"channel", "outcome"})
		a.givenUp = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ampel_alerts_given_up_total",
			Help: "Operator alerts given up: refused, or not delivered within alerts.retry_for.",
		}, []string{"channel"})
		a.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ampel_alert_attempt_duration_seconds",
			Help:    "Duration of alert delivery attempts, from sending the request to reading the answer.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"channel"})
		m.Registry.MustRegister(a.attempts, a.givenUp, a.latency)
	})
}

// AlertChannels makes every channel's counters start at 0.
func (m *Metrics) AlertChannels(names []string) {
	m.registerAlerts()
	for _, n := range names {
		for _, o := range alertOutcomes {
			m.alerts.attempts.WithLabelValues(n, o)
		}
		m.alerts.givenUp.WithLabelValues(n)
	}
}

// ObserveAlert counts one attempt on a channel.
func (m *Metrics) ObserveAlert(channel, outcome string, latency time.Duration) {
	m.registerAlerts()
	m.alerts.attempts.WithLabelValues(channel, outcome).Inc()
	m.alerts.latency.WithLabelValues(channel).Observe(latency.Seconds())
}

// AlertGivenUp counts an alert given up.
func (m *Metrics) AlertGivenUp(channel string) {
	m.registerAlerts()
	m.alerts.givenUp.WithLabelValues(channel).Inc()
}
