package demo

import (
	"math"
	"math/rand/v2"
	"time"
)

// Scenario decides how each simulated service answers a probe from a zone
// at an instant. It is deterministic: the same start gives the same
// history, and its live troubles continue what the backfill recorded.
type Scenario struct {
	start     time.Time
	incidents []incident
	// windows are the past maintenance windows, oldest first.
	windows []Window
	// outages are the past outages told as incidents, oldest first.
	outages []Outage
	// open and upcoming are the ids Seed gave the open incident and the
	// announced window.
	open, upcoming int64
	// byCheck holds each check with its incidents, for Answer.
	byCheck map[string]*plan
}

// plan is one check and the incidents that concern it.
type plan struct {
	check     check
	incidents []*incident
}

// incident is a stretch of trouble of one check: down, or slow with slow
// set, in one zone or (zone "") in all. With period set it recurs: it is on
// for the first on of every period from from.
type incident struct {
	check      string
	zone       string
	from, to   time.Time
	slow       bool
	period, on time.Duration
}

// Answer is how a simulated service answers one probe.
type Answer struct {
	// Fail makes an HTTP target answer 503 and a TCP target refuse.
	Fail bool
	// Latency is how long the answer takes.
	Latency time.Duration
}

// forever ends the ongoing troubles.
var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// NewScenario returns the demo's scenario for a demo started at start: a
// slow search since the day before, a flapping webhook service, a
// dashboard and the billing gRPC service failing now and then in one
// zone each, one of four workers down,
// and before that a year of pseudo-random incidents drawn from a fixed
// seed, and the CDN failing in one zone for two days six weeks ago.
func NewScenario(start time.Time) *Scenario {
	s := &Scenario{start: start, incidents: []incident{
		{check: "search-query", from: start.Add(-26 * time.Hour), to: forever, slow: true},
		{check: "webhooks-delivery", from: start.Add(-40 * time.Minute), to: forever, period: 4 * time.Minute, on: 80 * time.Second},
		{check: "dashboard-home", zone: "ap-southeast", from: start.Add(-25 * time.Minute), to: forever, period: 7 * time.Minute, on: 150 * time.Second},
		{check: "workers-3", from: start.Add(-3 * time.Hour), to: forever},
		{check: "billing-grpc", zone: "us-east", from: start.Add(-26 * time.Minute), to: forever, period: 10 * time.Minute, on: 50 * time.Second},
	}}
	past := append(pastIncidents(start), longPartial(start))
	s.incidents = append(s.incidents, past...)
	s.outages = pickOutages(start, past)
	s.windows = pastWindows(start)
	for _, w := range s.windows {
		// The work takes the service down for most of the window: the
		// failing probes are expected, and the time counts as maintenance.
		s.incidents = append(s.incidents, incident{check: w.check, from: w.From.Add(5 * time.Minute), to: w.To.Add(-10 * time.Minute)})
	}
	s.byCheck = make(map[string]*plan)
	for _, comp := range fleet {
		for _, c := range comp.checks {
			p := &plan{check: c}
			for i := range s.incidents {
				if s.incidents[i].check == c.name {
					p.incidents = append(p.incidents, &s.incidents[i])
				}
			}
			s.byCheck[c.name] = p
		}
	}
	return s
}

// pastIncidents draws the history's troubles: a few major outages of 10
// to 90 minutes, outages in one zone (partial), and slow stretches, between
// a year and a day before start, a little more often in the last 90 days
// so the bars show some. The healthy API has none.
func pastIncidents(start time.Time) []incident {
	rng := rand.New(rand.NewPCG(2026, 11))
	draw := func(minLen, maxLen time.Duration) (string, time.Time, time.Time) {
		comp := services[1+rng.IntN(len(services)-1)] // services[0] is the API
		name := comp.checks[rng.IntN(len(comp.checks))].name
		span := 88 * 24
		if rng.IntN(5) < 3 {
			span = 363 * 24 // the rest of the year
		}
		from := start.Add(-time.Duration(24+rng.IntN(span)) * time.Hour).Add(-time.Duration(rng.IntN(60)) * time.Minute)
		return name, from, from.Add(minLen + time.Duration(rng.Int64N(int64(maxLen-minLen))))
	}
	var out []incident
	for range 16 {
		name, from, to := draw(10*time.Minute, 90*time.Minute)
		out = append(out, incident{check: name, from: from, to: to})
	}
	for range 28 {
		name, from, to := draw(15*time.Minute, 2*time.Hour)
		out = append(out, incident{check: name, zone: Zones[rng.IntN(len(Zones))], from: from, to: to})
	}
	for range 30 {
		name, from, to := draw(30*time.Minute, 4*time.Hour)
		out = append(out, incident{check: name, from: from, to: to, slow: true})
	}
	return out
}

// active reports whether the incident affects check in zone at t.
func (in *incident) active(check, zone string, t time.Time) bool {
	if in.check != check || (in.zone != "" && in.zone != zone) || t.Before(in.from) || !t.Before(in.to) {
		return false
	}
	return in.period == 0 || t.Sub(in.from)%in.period < in.on
}

// zoneDelay is the extra round trip from each zone to the fleet.
var zoneDelay = map[string]time.Duration{
	"eu-central":   0,
	"us-east":      18 * time.Millisecond,
	"ap-southeast": 55 * time.Millisecond,
}

// Answer returns how check answers a probe from zone at t.
func (s *Scenario) Answer(checkName, zone string, t time.Time) Answer {
	p, ok := s.byCheck[checkName]
	if !ok {
		return Answer{Fail: true}
	}
	c := p.check
	var fail, slow bool
	for _, in := range p.incidents {
		if in.active(checkName, zone, t) {
			if in.slow {
				slow = true
			} else {
				fail = true
			}
		}
	}
	u := noise(checkName, zone, t)
	// A busier afternoon (UTC) is up to a quarter slower.
	hour := float64(t.UTC().Hour()) + float64(t.UTC().Minute())/60
	diurnal := 1 + 0.25*math.Max(0, math.Sin((hour-8)/24*2*math.Pi))
	lat := time.Duration(float64(c.latency) * diurnal * (0.8 + 0.4*u))
	if u > 0.997 {
		// The odd spike, short of what would count as slow.
		lat *= 3
		if c.degradedAfter > 0 {
			lat = min(lat, c.degradedAfter*8/10-zoneDelay[zone])
		}
	}
	switch {
	case fail:
		lat /= 2
	case slow && c.degradedAfter > 0:
		lat = c.degradedAfter + time.Duration(float64(c.degradedAfter)*(0.2+0.6*u))
	case slow:
		lat *= 6
	}
	return Answer{Fail: fail, Latency: lat + zoneDelay[zone]}
}

// noise is a deterministic number in [0, 1) for a check, zone and second.
func noise(check, zone string, t time.Time) float64 {
	return float64(fnv1a(check, zone, uint64(t.Unix()))>>11) / (1 << 53)
}

// fnv1a hashes two strings and a number with 64-bit FNV-1a, without the
// allocations of hash/fnv: the backfill calls it a million times.
func fnv1a(a, b string, n uint64) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for i := 0; i < len(a); i++ {
		h = (h ^ uint64(a[i])) * prime
	}
	h *= prime // a zero byte between the strings
	for i := 0; i < len(b); i++ {
		h = (h ^ uint64(b[i])) * prime
	}
	for range 8 {
		h = (h ^ (n & 0xff)) * prime
		n >>= 8
	}
	return h
}
