package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// hookVecs count deliveries to subscribers' webhooks and chat channels.
type hookVecs struct {
	once     sync.Once
	attempts *prometheus.CounterVec
}

// HookKinds makes the attempt counters of every kind start at 0.
func (m *Metrics) HookKinds(kinds []string) {
	h := &m.hooks
	h.once.Do(func() {
		h.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ampel_subscriber_hook_attempts_total",
			Help: "Attempts to deliver to subscribers' webhooks and chat channels, by kind and outcome (delivered, retry: 5xx, 429, timeout or unreachable, failed: refused for good).",
		}, []string{"kind", "outcome"})
		m.Registry.MustRegister(h.attempts)
	})
	for _, k := range kinds {
		for _, o := range alertOutcomes {
			h.attempts.WithLabelValues(k, o)
		}
	}
}

// ObserveHook counts one delivery attempt to a subscriber's endpoint.
func (m *Metrics) ObserveHook(kind, outcome string) {
	m.HookKinds(nil)
	m.hooks.attempts.WithLabelValues(kind, outcome).Inc()
}
