package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// History is how far back Seed generates history: a year, for the
// availability reports.
const History = 365 * 24 * time.Hour

// Past steps: one synthetic result per check and zone every oldStep
// before the last barSpan (the 90-day bars), every pastStep within it,
// and every Interval (as live) in the last recentSpan, so the flapping of
// the last minutes is recorded as the live probes would have seen it.
const (
	oldStep    = 15 * time.Minute
	barSpan    = 90 * 24 * time.Hour
	pastStep   = 5 * time.Minute
	recentSpan = time.Hour
)

// Stats counts what a backfill generated.
type Stats struct {
	// Results went through the state engine; Stored of them, those within
	// the retention, were written as raw results.
	Results, Stored int
	// Changes is the number of state changes written.
	Changes int
}

// Seed fills the empty database of cfg with History of history up to now
// and builds its rollups. It returns the engine that took the synthetic
// results: it holds the state at the end of the backfill, and the live
// server continues with it, so the history runs into the live period with
// no gap and no no-data marker. progress receives a line before and after.
//
// The backfill takes seconds (a year, and its rollups); the time it took,
// from now to what clock says when it is done, is backfilled too, so the
// live probes continue from results seconds old rather than finding every
// zone stale (no results for three intervals) and the components without
// data.
func Seed(ctx context.Context, cfg *config.Config, s *Scenario, now time.Time, clock func() time.Time, progress io.Writer) (*state.Engine, error) {
	began := time.Now()
	fmt.Fprintf(progress, "Backfilling %d days of history (%s) ...\n", int(History/(24*time.Hour)), cfg.Summary())
	st, err := store.Open(ctx, cfg.Storage.Path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := recordWindows(ctx, st, s, now); err != nil {
		return nil, fmt.Errorf("demo backfill: %w", err)
	}
	if err := recordIncidents(ctx, st, s, now); err != nil {
		return nil, fmt.Errorf("demo backfill: %w", err)
	}
	engine := state.New(cfg)
	w := st.StartWriter(store.WriterOptions{MaxBatch: 5000})
	stats := Backfill(engine, w, cfg, s, now.Add(-History), now)
	if err := w.Flush(ctx); err != nil {
		return nil, fmt.Errorf("demo backfill: %w", err)
	}
	if err := st.BuildRollups(ctx, cfg.Location, now); err != nil {
		return nil, fmt.Errorf("demo backfill: %w", err)
	}
	if end := clock(); end.Sub(now) > Interval {
		more := Backfill(engine, w, cfg, s, now, end)
		stats.Results, stats.Stored, stats.Changes = stats.Results+more.Results, stats.Stored+more.Stored, stats.Changes+more.Changes
	}
	if err := w.Close(ctx); err != nil {
		return nil, fmt.Errorf("demo backfill: %w", err)
	}
	fmt.Fprintf(progress, "Backfilled %d results through the state engine (%d stored, the last %s), %d state changes, in %s\n",
		stats.Results, stats.Stored, config.Duration(cfg.Storage.Retention).String(), stats.Changes,
		time.Since(began).Round(10*time.Millisecond))
	return engine, nil
}

// job is one check in one zone, with where in each step it runs.
type job struct {
	check check
	zone  string
	// at is the fraction of a step after which the job runs.
	at float64
}

// Backfill feeds synthetic results from from to to through engine, in time
// order, and writes the changes they cause and the results within the
// retention to w. Results come from the scenario, judged as the probes
// judge a live answer.
func Backfill(engine *state.Engine, w *store.Writer, cfg *config.Config, s *Scenario, from, to time.Time) Stats {
	jobs := backfillJobs(cfg)
	keepFrom := to.Add(-cfg.Storage.Retention.D())
	var stats Stats
	var results []status.Result
	var changes []status.Change
	flush := func() {
		w.Write(results, changes)
		stats.Stored += len(results)
		stats.Changes += len(changes)
		results, changes = results[:0], changes[:0]
	}
	bounds := windowBounds(s.windows, from, to)
	for t := from; t.Before(to); {
		step := pastStep
		switch left := to.Sub(t); {
		case left <= recentSpan:
			step = Interval
		case left > barSpan:
			step = oldStep
		}
		for _, j := range jobs {
			at := t.Add(time.Duration(j.at * float64(step))).Truncate(time.Millisecond)
			if !at.Before(to) {
				break
			}
			for len(bounds) > 0 && !bounds[0].After(at) {
				changes = append(changes, engine.SetOverrides(overridesAt(s.windows, bounds[0]), bounds[0])...)
				bounds = bounds[1:]
			}
			r := synthetic(j, s.Answer(j.check.name, j.zone, at), at)
			changes = append(changes, engine.Apply(r)...)
			stats.Results++
			if !at.Before(keepFrom) {
				results = append(results, r)
			}
		}
		if len(results)+len(changes) >= 5000 {
			flush()
		}
		t = t.Add(step)
	}
	flush()
	return stats
}

// backfillJobs lists every check in every zone of cfg, in the order they
// run within a step.
func backfillJobs(cfg *config.Config) []job {
	var jobs []job
	for _, comp := range cfg.Components {
		for _, chk := range comp.Checks {
			c, ok := checkByName(chk.Name)
			if !ok {
				continue
			}
			for _, z := range chk.Zones {
				h := fnv.New64a()
				h.Write([]byte(chk.Name + "\x00" + z))
				jobs = append(jobs, job{check: c, zone: z, at: float64(h.Sum64()>>11) / (1 << 53)})
			}
		}
	}
	slices.SortFunc(jobs, func(a, b job) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	return jobs
}

// synthetic is the result a probe would have recorded for answer a.
func synthetic(j job, a Answer, at time.Time) status.Result {
	r := status.Result{Check: j.check.name, Zone: j.zone, Start: at, Duration: a.Latency, Outcome: status.Up}
	switch {
	case a.Fail && j.check.kind == "tcp":
		r.Outcome, r.Reason, r.Detail = status.Down, "connection refused", "simulated: connection refused"
	case a.Fail && j.check.kind == "grpc":
		r.Outcome, r.Reason, r.Detail = status.Down, "gRPC health: NOT_SERVING", "simulated: NOT_SERVING"
	case a.Fail && j.check.kind == "icmp":
		r.Outcome, r.Reason, r.Detail = status.Down, "no reply", "simulated: 0 of 3 replies"
	case a.Fail && j.check.kind == "heartbeat":
		r.Outcome, r.Reason, r.Detail = status.Down, "job reported a failure", "simulated: exit status 1"
	case a.Fail:
		r.Outcome, r.Reason, r.Detail = status.Down, "HTTP 503", "simulated: status 503, want 2xx"
	case j.check.degradedAfter > 0 && a.Latency > j.check.degradedAfter:
		r.Outcome, r.Reason = status.Degraded, "slow response "+readable(a.Latency)
		r.Detail = fmt.Sprintf("simulated: response took %s, degraded_after %s", a.Latency, j.check.degradedAfter)
	}
	return r
}

// readable writes a duration as the probes' reasons do: "250ms", "1.3s".
func readable(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(int64((d+time.Millisecond/2)/time.Millisecond), 10) + "ms"
	}
	return strconv.FormatFloat(float64((d+50*time.Millisecond)/(100*time.Millisecond))/10, 'f', -1, 64) + "s"
}
