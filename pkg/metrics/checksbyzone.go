package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// checksByZone counts, per zone, the checks whose last probe there
// succeeded (up or degraded) and those whose last probe failed:
// ampel_checks_up and ampel_checks_down, the per-zone mode's stand-in for
// ampel_check_up. It keeps one bool a check and zone (about 60 bytes,
// against about 300 for a labelled gauge) and two series a zone.
type checksByZone struct {
	upDesc, downDesc *prometheus.Desc

	mu    sync.Mutex
	last  map[checkZone]bool // the last outcome: up; guarded by mu
	zones map[string]*zoneCount
}

type checkZone struct{ check, zone string }

// zoneCount is a zone's checks up and down; guarded by checksByZone.mu.
type zoneCount struct{ up, down int }

func newChecksByZone() *checksByZone {
	const per = " (metrics.per_check = false; per check: ampel_check_up)."
	return &checksByZone{
		upDesc:   prometheus.NewDesc("ampel_checks_up", "Checks whose last probe in the zone succeeded, up or degraded"+per, []string{"zone"}, nil),
		downDesc: prometheus.NewDesc("ampel_checks_down", "Checks whose last probe in the zone failed"+per, []string{"zone"}, nil),
		last:     map[checkZone]bool{},
		zones:    map[string]*zoneCount{},
	}
}

// known makes zone's series exist at 0 before its first probe.
func (z *checksByZone) known(zone string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.zone(zone)
}

// zone returns zone's counts, made at 0; z.mu held.
func (z *checksByZone) zone(zone string) *zoneCount {
	c, ok := z.zones[zone]
	if !ok {
		c = &zoneCount{}
		z.zones[zone] = c
	}
	return c
}

// observe moves a check in a zone to the outcome of its last probe.
func (z *checksByZone) observe(check, zone string, up bool) {
	k := checkZone{check, zone}
	z.mu.Lock()
	defer z.mu.Unlock()
	was, seen := z.last[k]
	if seen && was == up {
		return
	}
	z.last[k] = up
	c := z.zone(zone)
	if seen {
		if was {
			c.up--
		} else {
			c.down--
		}
	}
	if up {
		c.up++
	} else {
		c.down++
	}
}

// Describe is part of prometheus.Collector.
func (z *checksByZone) Describe(ch chan<- *prometheus.Desc) {
	ch <- z.upDesc
	ch <- z.downDesc
}

// Collect is part of prometheus.Collector.
func (z *checksByZone) Collect(ch chan<- prometheus.Metric) {
	z.mu.Lock()
	counts := make(map[string]zoneCount, len(z.zones))
	for name, c := range z.zones {
		counts[name] = *c
	}
	z.mu.Unlock()
	for name, c := range counts {
		ch <- prometheus.MustNewConstMetric(z.upDesc, prometheus.GaugeValue, float64(c.up), name)
		ch <- prometheus.MustNewConstMetric(z.downDesc, prometheus.GaugeValue, float64(c.down), name)
	}
}
