package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/probes"
	"github.com/ampelstatus/ampel/probes/schedule"
)

// runChecks pulls the zone's checks and keeps a scheduler running them,
// rebuilt whenever the server's checks change, until ctx ends.
func (a *Agent) runChecks(ctx context.Context) error {
	var cur *running
	defer func() { cur.stop() }()
	// The checks last pulled run at once, so an agent restarted while the
	// server is away still probes (and spools).
	cached, etag, ok := a.loadCachedChecks()
	if ok {
		jobs := a.jobs(cached)
		cur = a.start(jobs)
		a.log.Info("agent: running the checks last pulled", "checks", len(cached.Checks), "jobs", len(jobs), "probe_workers", a.workers(jobs))
	}
	backoff := time.Duration(0)
	failing := false
	for {
		cs, tag, changed, err := a.client.pullChecks(ctx, etag)
		wait := a.opts.PullInterval
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			var se *statusError
			if errors.As(err, &se) && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden) {
				a.log.Error("agent: server refused the token; not retrying", "err", err)
				return fmt.Errorf("%w: %v", ErrRefused, err)
			}
			backoff = nextBackoff(backoff)
			wait = min(backoff, a.opts.PullInterval)
			if errors.As(err, &se) && se.RetryAfter > 0 {
				wait = se.RetryAfter
			}
			if !failing {
				a.log.Warn("agent: cannot pull checks; the current ones keep running", "err", err)
			}
			failing = true
		case changed:
			backoff, failing = 0, false
			etag = tag
			a.saveCachedChecks(cs, tag)
			jobs := a.jobs(cs)
			cur.stop()
			cur = a.start(jobs)
			a.log.Info("agent: checks loaded", "checks", len(cs.Checks), "jobs", len(jobs), "probe_workers", a.workers(jobs))
		default:
			if failing {
				a.log.Info("agent: server reachable again")
			}
			backoff, failing = 0, false
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// jobs prepares the probes of the pulled checks. A check this agent cannot
// probe (a CA file missing on this host) is logged and left out; the zone
// then goes stale for it on the server, which operators see.
func (a *Agent) jobs(cs Checks) []schedule.Job {
	var js []schedule.Job
	denied := map[string]bool{}
	for i := range cs.Checks {
		chk := &cs.Checks[i]
		p, err := probes.Prepare(chk)
		if err != nil {
			a.log.Error("agent: cannot prepare check", "check", chk.Name, "err", err)
			continue
		}
		if p == nil {
			continue // nothing to probe (a heartbeat; never sent to agents)
		}
		if err := probes.Permitted(chk.Kind); err != nil && !denied[chk.Kind] {
			// Its runs record no data with the same advice; say it once here.
			denied[chk.Kind] = true
			a.log.Error("agent: probe kind not permitted", "kind", chk.Kind, "err", err)
		}
		js = append(js, schedule.Job{
			Check: chk.Name, Zone: a.opts.Zone, Interval: chk.Interval.D(), Timeout: chk.Timeout.D(),
			Probe: p, Env: probes.Env{Zone: a.opts.Zone, Record: a.emit},
		})
	}
	return js
}

// running is one scheduler generation.
type running struct {
	sched  *schedule.Scheduler
	cancel context.CancelFunc
	done   chan struct{}
}

// workers is Options.MaxConcurrent, or when that is 0 the pool
// config.ProbePool gives for the jobs' runs a second, as serve sizes its
// own.
func (a *Agent) workers(jobs []schedule.Job) int {
	if a.opts.MaxConcurrent > 0 {
		return a.opts.MaxConcurrent
	}
	perSecond := 0.0
	for _, j := range jobs {
		if j.Interval > 0 {
			perSecond += 1 / j.Interval.Seconds()
		}
	}
	return config.ProbePool(perSecond)
}

func (a *Agent) start(jobs []schedule.Job) *running {
	r := &running{
		sched: schedule.New(jobs, schedule.Options{
			MaxConcurrent: a.workers(jobs), Emit: a.emit, Logger: a.log,
			OnStart: func(_ *schedule.Job, lag time.Duration) {
				if a.opts.OnStart != nil {
					a.opts.OnStart(lag)
				}
			},
			OnSkip: func(*schedule.Job) {
				if a.opts.OnSkip != nil {
					a.opts.OnSkip()
				}
			},
		}),
		done: make(chan struct{}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.sched.Run(ctx); close(r.done) }()
	return r
}

// stop ends the scheduler and waits up to 10s for probes in flight, whose
// results are still spooled.
func (r *running) stop() {
	if r == nil {
		return
	}
	r.cancel()
	<-r.done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.sched.Wait(ctx)
}

// cachedChecks is the file, in the spool folder, holding the checks last
// pulled. It holds secrets: the spool folder is private to the agent.
const cachedChecks = "checks.json"

type checksCache struct {
	ETag   string `json:"etag"`
	Checks Checks `json:"checks"`
}

func (a *Agent) loadCachedChecks() (Checks, string, bool) {
	b, err := os.ReadFile(filepath.Join(a.opts.SpoolDir, cachedChecks))
	if err != nil {
		return Checks{}, "", false
	}
	var c checksCache
	if err := json.Unmarshal(b, &c); err != nil || c.Checks.Zone != a.opts.Zone {
		a.log.Warn("agent: ignoring unreadable cached checks", "err", err)
		return Checks{}, "", false
	}
	return c.Checks, c.ETag, true
}

func (a *Agent) saveCachedChecks(cs Checks, etag string) {
	b, _ := json.Marshal(checksCache{ETag: etag, Checks: cs})
	path := filepath.Join(a.opts.SpoolDir, cachedChecks)
	tmp := path + ".tmp"
	err := os.WriteFile(tmp, b, 0o600)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		a.log.Warn("agent: cannot cache the checks", "err", err)
	}
}
