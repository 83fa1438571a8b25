package probes

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// Prepare builds a check's prober: its kind's, wrapped to probe every
// instance of a pod set when the check has pods.
func Prepare(chk *config.Check) (Prober, error) {
	kind, ok := Kinds[chk.Kind]
	if !ok {
		return nil, fmt.Errorf("kind: unknown kind %q", chk.Kind)
	}
	p, err := kind(chk)
	if err != nil || chk.Pods == nil {
		return p, err
	}
	return Pods(chk, p)
}

// Instance is one member of a pod set.
type Instance struct {
	// ID names it in results: the pod's name when known, else host:port.
	ID string
	// Addr is host:port to probe.
	Addr string
}

// discoverer lists a pod set's instances now.
type discoverer func(ctx context.Context) ([]Instance, error)

// maxFanOut bounds the instances of one set probed at once.
const maxFanOut = 32

type podsProbe struct {
	check    string
	kind     string
	target   *url.URL // for http and metrics; nil for host:port kinds
	inner    Prober
	discover discoverer
	minCount int
	minPct   int
}

// Pods wraps inner, the prober of chk's kind, to discover chk's instances
// on every run, probe each on its own, record each one's result through
// Env.Record, and judge the set: all healthy is up, at least the minimum
// degraded ("3/4 pods healthy"), fewer down. An instance that left
// discovery is simply not probed any more: retired, not failed.
func Pods(chk *config.Check, inner Prober) (Prober, error) {
	p := &podsProbe{check: chk.Name, kind: chk.Kind, inner: inner, minPct: 50}
	port := chk.Pods.Port
	switch chk.Kind {
	case "http", "metrics":
		u, err := url.Parse(chk.Target)
		if err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		p.target = u
		if port == 0 {
			port = urlPort(u)
		}
	default:
		if port == 0 {
			if _, ps, err := net.SplitHostPort(chk.Target); err == nil {
				port, _ = strconv.Atoi(ps)
			}
		}
	}
	if n, pct, ok := config.ParseMinHealthy(chk.Pods.MinHealthy); ok {
		p.minCount, p.minPct = 0, 0
		if pct {
			p.minPct = n
		} else {
			p.minCount = n
		}
	}
	d, err := newDiscoverer(chk.Pods, port)
	if err != nil {
		return nil, err
	}
	p.discover = d
	return p.run, nil
}

func urlPort(u *url.URL) int {
	if ps := u.Port(); ps != "" {
		n, _ := strconv.Atoi(ps)
		return n
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

func newDiscoverer(p *config.Pods, port int) (discoverer, error) {
	switch {
	case p.DNS != "":
		return dnsDiscovery(p.DNS, p.Resolver, port)
	case len(p.Static) > 0:
		return staticDiscovery(p.Static, port)
	case p.Kubernetes != nil:
		return kubernetesDiscovery(p.Kubernetes)
	}
	return nil, fmt.Errorf("pods: set one of dns, static and kubernetes")
}

// instanceTarget is the target of one instance in the kind's own form.
func (p *podsProbe) instanceTarget(in Instance) string {
	if p.target == nil {
		return in.Addr
	}
	u := *p.target
	u.Host = in.Addr
	return u.String()
}

func (p *podsProbe) run(ctx context.Context, env Env) Observation {
	start := time.Now()
	instances, err := p.discover(ctx)
	if r := localReason(err); r != "" {
		return notProbed(r, err, time.Since(start))
	}
	if err != nil {
		return Observation{Outcome: status.Down, Reason: "pod discovery failed", Detail: err.Error()}
	}
	if len(instances) == 0 {
		return Observation{Outcome: status.Down, Reason: "no pods found", Detail: "discovery returned no instances"}
	}
	obs := p.probeAll(ctx, env, instances)
	if ctx.Err() != nil && len(obs) < len(instances) {
		return Observation{Outcome: status.Down, Reason: "timeout", Detail: "the pods were not all probed in time"}
	}
	out := p.judge(obs)
	out.Duration = time.Since(start)
	return out
}

// probeAll probes every instance, at most maxFanOut at a time, records
// each result and returns their observations.
func (p *podsProbe) probeAll(ctx context.Context, env Env, instances []Instance) []Observation {
	out := make([]Observation, len(instances))
	sem := make(chan struct{}, maxFanOut)
	var wg sync.WaitGroup
	for i, in := range instances {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			started := time.Now()
			o := p.inner(ctx, Env{Zone: env.Zone, Target: p.instanceTarget(in)})
			if o.Duration <= 0 {
				o.Duration = time.Since(started)
			}
			out[i] = o
			if env.Record != nil {
				r := status.Result{Check: p.check, Zone: env.Zone, Instance: in.ID, Start: started}
				o.Fill(&r)
				env.Record(r)
			}
		}()
	}
	wg.Wait()
	return out
}

// judge applies the minimum to the instances' observations.
func (p *podsProbe) judge(obs []Observation) Observation {
	healthy, degraded, unprobed := 0, 0, 0
	var firstBad, firstUnprobed Observation
	for _, o := range obs {
		switch o.Outcome {
		case status.Up:
			healthy++
		case status.Degraded:
			healthy++
			degraded++
		case status.NoData:
			// Not probed for a reason of Ampel's own: judged on the rest.
			if unprobed++; unprobed == 1 {
				firstUnprobed = o
			}
		default:
			if firstBad.Reason == "" {
				firstBad = o
			}
		}
	}
	total := len(obs) - unprobed
	if total == 0 {
		return Observation{Outcome: status.NoData, Reason: firstUnprobed.Reason, Detail: firstUnprobed.Detail}
	}
	summary := fmt.Sprintf("%d/%d pods healthy", healthy, total)
	switch {
	case healthy == total && degraded == 0:
		return Observation{Outcome: status.Up}
	case healthy == total:
		return Observation{Outcome: status.Degraded, Reason: summary + ", " + fmt.Sprint(degraded) + " slow"}
	case healthy >= p.minimum(total):
		return Observation{Outcome: status.Degraded, Reason: summary, Detail: firstBad.Reason + ": " + firstBad.Detail}
	}
	return Observation{Outcome: status.Down, Reason: summary, Detail: firstBad.Reason + ": " + firstBad.Detail}
}

// minimum is the least number of healthy instances out of total for the
// set not to be down; at least 1.
func (p *podsProbe) minimum(total int) int {
	if p.minCount > 0 {
		return p.minCount
	}
	return max((total*p.minPct+99)/100, 1)
}
