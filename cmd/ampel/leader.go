package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/probes"
	"github.com/ampelstatus/ampel/probes/schedule"
	"github.com/ampelstatus/ampel/store"
)

// leader is what exactly one node of a cluster runs, and a single node
// always: probing the local zones, the staleness and heartbeat clocks
// (through ingest, the state engine's writes), rollups and pruning, the
// maintenance clock, automatic incidents, the mail dispatcher, the
// delivery to subscribers' webhooks and chat channels and the alert duties.
// Everything else ampel serve does (HTTP, the read side, the overlay)
// runs on every node.
//
// start runs the duties under ctx, which carries the fence of the term
// in a cluster (store.WithFence), so every write they make is refused
// once another node leads; stop cancels them and waits. A node may lead
// again after it lost: start and stop alternate.
type leader struct {
	cfg     *config.Config
	st      *store.Store
	writer  *store.Writer
	in      *ingest.Ingest
	m       *metrics.Metrics
	logger  *slog.Logger
	probers map[string]probes.Prober
	// recover loads the state from the database on start; false for the
	// demo's first term, whose engine its caller has just written.
	recover bool
	refresh func(context.Context) // reload the overlay, mark pages stale
	autos   *autoIncidents
	beats   func(context.Context) // the heartbeat monitor's tick
	mail    func(context.Context) // the mail dispatcher
	hooks   func(context.Context) // delivery to subscribers' webhooks and chat channels
	alerts  func(context.Context) // the alert dispatcher and the operator watch
	// inbox applies what any node stored for the leader (a cluster's
	// agent pushes and heartbeat calls); nil without [cluster].
	inbox func(context.Context)

	mu    sync.Mutex
	sched *schedule.Scheduler // the term's; nil while not leading. Guarded by mu.
	// stopProbes ends the term's probing, stopRest its other duties.
	// stopClocks are the duties that re-apply the overlay, stopped
	// before observation ends; stopAfter the others.
	stopProbes            func(deadline context.Context)
	stopClocks, stopAfter []func()
}

// leading reports whether a term is on.
func (l *leader) leading() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sched != nil
}

// start begins a term: it loads the state from the database (unless the
// engine is already current), then starts every duty.
func (l *leader) start(ctx context.Context) error {
	if l.recover {
		n, err := l.in.Recover(ctx, l.st)
		if err != nil {
			return err
		}
		if n > 0 {
			l.logger.Info("closed states left open by an unclean stop", "subjects", n)
		}
	}
	l.recover = true // every later term follows another node's or a gap
	l.refresh(ctx)

	sched := schedule.New(recordInstances(jobs(l.cfg, l.probers), l.in.Handle), schedule.Options{
		MaxConcurrent: l.cfg.ProbeWorkers(),
		Emit:          l.in.Handle,
		OnStart:       func(_ *schedule.Job, lag time.Duration) { l.m.ObserveLag(lag) },
		OnSkip:        func(*schedule.Job) { l.m.Skipped() },
		Logger:        l.logger,
	})
	schedCtx, cancelSched := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() { sched.Run(schedCtx); close(schedDone) }()
	// The engine notices zones gone silent.
	stopTick := runUntilStopped(ctx, func(ctx context.Context) { everySecond(ctx, l.in.Tick) })

	clocks := []func(){
		runUntilStopped(ctx, l.beats),
		startMaintClock(ctx, l.st, l.refresh, l.logger),
	}
	l.autos.start(ctx, l.refresh)
	clocks = append(clocks, l.autos.Stop)
	after := []func(){
		runUntilStopped(ctx, func(ctx context.Context) { housekeep(ctx, l.st, l.cfg, l.logger) }),
		runUntilStopped(ctx, l.mail),
		runUntilStopped(ctx, l.hooks),
		runUntilStopped(ctx, l.alerts),
	}
	if l.inbox != nil {
		after = append(after, runUntilStopped(ctx, l.inbox))
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	l.sched = sched
	l.stopProbes = func(deadline context.Context) {
		cancelSched()
		stopTick()
		<-schedDone
		sched.Wait(deadline)
	}
	l.stopClocks, l.stopAfter = clocks, after
	return nil
}

// stopProbing ends the term's probing, waiting for probes in flight
// until deadline. No-op while not leading.
func (l *leader) stopProbing(deadline context.Context) {
	l.mu.Lock()
	stop := l.stopProbes
	l.stopProbes = nil
	l.mu.Unlock()
	if stop != nil {
		stop(deadline)
	}
}

// stop ends the term: probing first, then the other duties, each waited
// for. endObservation records that observation ends now (every subject
// to no data): on a clean stop of the node, not when the lease was lost
// (another node observes now, and the write would be refused anyway).
func (l *leader) stop(deadline context.Context, endObservation bool) {
	l.stopProbing(deadline)
	l.mu.Lock()
	clocks, after := l.stopClocks, l.stopAfter
	l.stopClocks, l.stopAfter, l.sched = nil, nil, nil
	l.mu.Unlock()
	for _, stop := range clocks {
		stop()
	}
	if endObservation && clocks != nil {
		l.in.Stop(time.Now())
	}
	for _, stop := range after {
		stop()
	}
}

// health is nil while the scheduler's loop turns, or while not leading.
func (l *leader) health() error {
	l.mu.Lock()
	s := l.sched
	l.mu.Unlock()
	if s != nil && s.Jobs() > 0 && time.Since(s.LastBeat()) > 5*time.Second {
		return errors.New("scheduler is not running")
	}
	return nil
}

// jobs counts the term's scheduled probes; 0 while not leading.
func (l *leader) jobs() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sched == nil {
		return 0
	}
	return l.sched.Jobs()
}
