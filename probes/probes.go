// Package probes holds one file per probe kind, all behind the Kind function
// type, and the Kinds registry from which config validation takes the valid
// kind names.
package probes

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// Version is the Ampel version named in the probes' User-Agent.
const Version = "0.1"

// Kind prepares a check for probing: it validates the kind-specific settings
// and builds what can be reused across runs (clients, compiled patterns). It
// returns an error naming the setting when the check cannot be probed, and
// a nil Prober for a kind whose results are pushed to Ampel (heartbeat).
type Kind func(chk *config.Check) (Prober, error)

// Prober runs one probe. It must return within ctx's deadline and never
// panic on any target behaviour; the scheduler still recovers a panic as a
// down result.
type Prober func(ctx context.Context, env Env) Observation

// Env is what varies between runs of one prepared check.
type Env struct {
	// Zone the probe runs in; named in the HTTP User-Agent.
	Zone string
	// Target overrides the check's target (one instance of a pod set);
	// empty means the check's own target.
	Target string
	// Record receives the result of each instance of a pod set, besides
	// the set's own observation; nil drops them.
	Record func(status.Result)
}

// Observation is what a probe saw.
type Observation struct {
	// Outcome is status.Up, status.Degraded or status.Down; status.NoData
	// when the probe could not run for a reason of Ampel's own (see
	// localReason), which says nothing about the target.
	Outcome status.Level
	// Reason is short and public-safe: "HTTP 503", "timeout after 5s".
	Reason string
	// Detail is the full error text for operators.
	Detail string
	// Notice is an operator-only warning that does not change Outcome
	// (status.Result.Notice).
	Notice string
	// Duration is the probe's own measure of the round trip (for HTTP, until
	// the body was read); zero lets the scheduler use its wall time.
	Duration time.Duration
	// Value is a measured number, set (HasValue) only by kinds that read
	// one: for "metrics", the value of the metric the condition judged,
	// in the metric's own unit (of several matching series, the one that
	// decided; see metricsProbe.judge). Never NaN or infinite.
	Value    float64
	HasValue bool
}

// Fill copies what the probe saw into r, leaving who and when (check,
// zone, instance, start) to the caller: one copy, so that a field added to
// both types cannot be forgotten in one of the places results are made.
func (o Observation) Fill(r *status.Result) {
	r.Outcome, r.Reason, r.Detail, r.Duration = o.Outcome, o.Reason, o.Detail, o.Duration
	r.Notice = o.Notice
	r.Value, r.HasValue = o.Value, o.HasValue
}

// Kinds maps each kind name to its constructor.
var Kinds = map[string]Kind{
	"http": HTTP,
	"tcp":  TCP,
	"dns":  DNS,
	"tls":  TLS,

	"metrics": Metrics,
	"grpc":    GRPC,
	"icmp":    ICMP,

	"heartbeat": Heartbeat,
}

// KindNames returns the registered kind names, sorted.
func KindNames() []string {
	return slices.Sorted(maps.Keys(Kinds))
}
