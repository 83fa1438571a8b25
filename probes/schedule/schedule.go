// Package schedule runs prepared probes on their intervals: each check in
// each of its zones, started at a deterministic offset so that thousands of
// checks spread evenly over their interval, kept on a fixed grid so no drift
// accumulates, under a cap on concurrent probes.
package schedule

import (
	"container/heap"
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/probes"
)

// Job is one check in one zone.
type Job struct {
	Check string
	Zone  string
	// Instance names one member of a set of instances (pods); empty for a
	// check with a single target.
	Instance string
	Interval time.Duration
	// Timeout bounds one run; it is cut to Interval when longer.
	Timeout time.Duration
	Probe   probes.Prober
	// Env is passed to every run (zone, instance target).
	Env probes.Env
}

// Options tune a Scheduler. Emit is required.
type Options struct {
	// MaxConcurrent caps probes running at once (default 256).
	MaxConcurrent int
	// Emit receives every result, from the probe's worker. It must not
	// block for long: it holds one of the MaxConcurrent workers.
	Emit func(status.Result)
	// OnStart is told how late each run started against its due time,
	// from the run's worker as the probe starts: a run handed to a worker
	// has not started until the worker gets a core.
	OnStart func(job *Job, lag time.Duration)
	// OnSkip is told when a run is skipped because the previous run of the
	// same job is still going or the scheduler fell more than an interval
	// behind.
	OnSkip func(job *Job)
	Logger *slog.Logger
}

// Scheduler runs Jobs. Create it with New and start it with Run.
type Scheduler struct {
	opts  Options
	queue runQueue
	// work hands due runs to a fixed pool of workers: long-lived
	// goroutines keep their grown stacks, where a goroutine per run would
	// grow a fresh one a thousand times a second.
	work    chan handoff
	workers sync.WaitGroup
	wg      sync.WaitGroup // runs in flight
	// probeCtx outlives Run's context so in-flight probes may finish during
	// a graceful stop; cancelProbes abandons them.
	probeCtx     context.Context
	cancelProbes context.CancelFunc
	beat         atomic.Int64 // unix nanoseconds of the last dispatch loop turn
}

type entry struct {
	job     *Job
	due     time.Time
	running atomic.Bool
}

// handoff is one run for a worker; due is copied, as the dispatch loop
// moves the entry's on.
type handoff struct {
	e   *entry
	due time.Time
}

// New prepares a scheduler for jobs. Nothing runs until Run.
func New(jobs []Job, opts Options) *Scheduler {
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 256
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{opts: opts, work: make(chan handoff)}
	for i := range jobs {
		j := jobs[i]
		if j.Interval <= 0 {
			continue
		}
		if j.Timeout <= 0 || j.Timeout > j.Interval {
			j.Timeout = j.Interval
		}
		s.queue = append(s.queue, &entry{job: &j})
	}
	s.probeCtx, s.cancelProbes = context.WithCancel(context.Background())
	return s
}

// Offset is where in its interval a job first runs: a hash of check and
// zone, so starts are spread evenly, and the same on every restart.
func Offset(check, zone string, interval time.Duration) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(check))
	h.Write([]byte{0})
	h.Write([]byte(zone))
	return time.Duration(h.Sum64() % uint64(interval))
}

// Run dispatches jobs until ctx ends, then returns without waiting for
// probes in flight; Wait finishes those.
func (s *Scheduler) Run(ctx context.Context) {
	for range s.opts.MaxConcurrent {
		s.workers.Add(1)
		go s.worker()
	}
	defer close(s.work)
	start := time.Now()
	for _, e := range s.queue {
		e.due = start.Add(Offset(e.job.Check, e.job.Zone, e.job.Interval))
	}
	heap.Init(&s.queue)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		s.beat.Store(now.UnixNano())
		if len(s.queue) == 0 {
			<-ctx.Done()
			return
		}
		next := s.queue[0]
		if wait := next.due.Sub(now); wait > 0 {
			timer.Reset(min(wait, time.Second))
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			continue
		}
		if !s.dispatch(ctx, next) {
			return
		}
		s.advance(next, time.Now())
		heap.Fix(&s.queue, 0)
	}
}

// dispatch hands one run to a free worker, waiting for one when all are
// busy, unless the job's previous run is still going. It is false when ctx
// ended first.
func (s *Scheduler) dispatch(ctx context.Context, e *entry) bool {
	if !e.running.CompareAndSwap(false, true) {
		s.skip(e)
		return true
	}
	s.wg.Add(1)
	select {
	case s.work <- handoff{e, e.due}:
		return true
	case <-ctx.Done():
		s.wg.Done()
		e.running.Store(false)
		return false
	}
}

func (s *Scheduler) worker() {
	defer s.workers.Done()
	for h := range s.work {
		s.run(h.e, h.due)
	}
}

// advance moves the due time one interval along the job's grid; when the
// scheduler has fallen more than an interval behind it skips to the next
// grid point in the future rather than firing a burst of catch-up runs.
func (s *Scheduler) advance(e *entry, now time.Time) {
	e.due = e.due.Add(e.job.Interval)
	if behind := now.Sub(e.due); behind > 0 {
		missed := behind/e.job.Interval + 1
		e.due = e.due.Add(missed * e.job.Interval)
		for range missed {
			s.skip(e)
		}
	}
}

func (s *Scheduler) skip(e *entry) {
	if s.opts.OnSkip != nil {
		s.opts.OnSkip(e.job)
	}
}

func (s *Scheduler) run(e *entry, due time.Time) {
	defer s.wg.Done()
	defer e.running.Store(false)
	if s.opts.OnStart != nil {
		s.opts.OnStart(e.job, time.Since(due))
	}
	r, ok := s.probe(e.job)
	if ok {
		s.opts.Emit(r)
	}
}

// probe runs the prober once. A panicking prober is a down result, never a
// dead scheduler. ok is false when the run was abandoned at shutdown: that
// says nothing about the target and is not recorded.
func (s *Scheduler) probe(job *Job) (r status.Result, ok bool) {
	start := time.Now()
	r = status.Result{Check: job.Check, Zone: job.Zone, Instance: job.Instance, Start: start}
	ctx, cancel := context.WithTimeout(s.probeCtx, job.Timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			s.opts.Logger.Error("probe panicked", "check", job.Check, "zone", job.Zone, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			r.Outcome, r.Reason, r.Detail = status.Down, "probe failed", fmt.Sprintf("probe panicked: %v", p)
			r.Duration = time.Since(start)
			ok = true
		}
	}()
	obs := job.Probe(ctx, job.Env)
	if s.probeCtx.Err() != nil {
		return r, false
	}
	obs.Fill(&r)
	if r.Duration <= 0 {
		r.Duration = time.Since(start)
	}
	return r, true
}

// Wait waits for probes in flight until ctx ends, then abandons the rest;
// their results are discarded. Call it after Run has returned.
func (s *Scheduler) Wait(ctx context.Context) {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.cancelProbes()
		<-done
	}
	s.cancelProbes()
}

// LastBeat is when the dispatch loop last turned; a loop that has not
// turned for more than a second is stuck.
func (s *Scheduler) LastBeat() time.Time {
	return time.Unix(0, s.beat.Load())
}

// Jobs returns how many jobs are scheduled.
func (s *Scheduler) Jobs() int { return len(s.queue) }

// runQueue is a min-heap of entries by due time.
type runQueue []*entry

func (q runQueue) Len() int           { return len(q) }
func (q runQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q runQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *runQueue) Push(x any)        { *q = append(*q, x.(*entry)) }
func (q *runQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}
