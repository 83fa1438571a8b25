// Package replica keeps a cluster follower's state engine in step with
// what the leader records, so every node's pages show the leader's state.
// The leader's batch writer notifies on commit; the replica listens, and
// on each notification, after every reconnect of its listening
// connection and every few seconds as a safety net, it reads what was
// stored since what it last applied: state changes by id, and the latest
// results pages show (last result, freshness, pods). A notification says
// only "look", so a lost one delays a change by one poll at most and
// loses nothing.
package replica

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Options wire a Replica. Store, Engine and Observe are required.
type Options struct {
	Store  *store.Store
	Engine *state.Engine
	// Observe sees each catch-up's changes, as an ingest observer sees
	// a result's (the live feed: page cache, SSE). It is called without
	// a result, from the replica's goroutine.
	Observe func(status.Result, []status.Change)
	// Poll is the safety net: the longest the replica goes without
	// reading; default 2s.
	Poll time.Duration
	// Lookback is how far before the newest result it has read the
	// replica reads results again, for results that commit after newer
	// ones (a probe that ran into its timeout): at least the longest
	// check timeout; default 30s.
	Lookback time.Duration
	Logger   *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Replica mirrors the leader's state into an engine until stopped.
type Replica struct {
	opts   Options
	cancel context.CancelFunc
	done   chan struct{}

	// lagNS is the latest lag in nanoseconds (see Lag).
	lagNS atomic.Int64
	// applied is the id of the newest change applied.
	applied atomic.Int64

	// mu guards heard.
	mu sync.Mutex
	// heard is the send time of the oldest notification not yet
	// caught up with; zero when none waits.
	heard time.Time
	wake  chan struct{} // capacity 1
}

// Start loads the current state into opts.Engine and keeps it in step
// until Stop. The first load's error is returned (the database is away):
// the caller retries, or serves its last pages meanwhile.
func Start(ctx context.Context, opts Options) (*Replica, error) {
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Lookback <= 0 {
		opts.Lookback = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Replica{opts: opts, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	from, err := r.load(ctx)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go r.run(runCtx, from)
	return r, nil
}

// Stop ends the replica and waits for it: what it applied stays in the
// engine (a follower becoming leader continues from it).
func (r *Replica) Stop() {
	r.cancel()
	<-r.done
}

// Lag is how late the replica applied the leader's latest commit it was
// told of: from the leader's notification (its clock) to the end of the
// catch-up that applied it (ampel_cluster_follower_lag_seconds).
func (r *Replica) Lag() time.Duration { return time.Duration(r.lagNS.Load()) }

// Applied is the id of the newest state change applied.
func (r *Replica) Applied() int64 { return r.applied.Load() }

// Override lays what operators say over the mirrored components: a
// follower loads the overlay as the leader does, but records nothing (the
// leader records the changes), and the page feed sees what moved.
func (r *Replica) Override(o state.Overrides, at time.Time) {
	if changes := r.opts.Engine.SetOverrides(o, at); len(changes) > 0 {
		r.opts.Observe(status.Result{}, changes)
	}
}

// load mirrors the latest change of every subject and the latest results,
// and returns where the results' reading goes on from.
func (r *Replica) load(ctx context.Context) (time.Time, error) {
	// The id first: a change stored meanwhile is read again, and applying
	// a change twice sets the same state.
	id, err := r.opts.Store.LastChangeID(ctx)
	if err != nil {
		return time.Time{}, err
	}
	latest, err := r.opts.Store.LatestChanges(ctx)
	if err != nil {
		return time.Time{}, err
	}
	from := r.opts.Now().Add(-r.opts.Lookback)
	results, err := r.opts.Store.ResultsFrom(ctx, from)
	if err != nil {
		return time.Time{}, err
	}
	r.opts.Engine.Mirror(latest, results)
	r.applied.Store(id)
	r.opts.Observe(status.Result{}, latest)
	return newest(results, from), nil
}

func (r *Replica) run(ctx context.Context, from time.Time) {
	defer close(r.done)
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		r.opts.Store.Listen(ctx, store.ListenOptions{Logger: r.opts.Logger}, r.notified, store.ChannelState)
	}()
	defer func() { <-listening }()
	poll := time.NewTicker(r.opts.Poll)
	defer poll.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-poll.C:
		}
		next, err := r.catchUp(ctx, from)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			r.opts.Logger.Warn("replica cannot read the leader's state", "err", err)
			failing = true
		case err == nil:
			if failing {
				r.opts.Logger.Info("replica reads the leader's state again")
			}
			failing = false
			from = next
		}
	}
}

// notified is Listen's callback: it notes when the oldest unread commit
// was sent and wakes the loop.
func (r *Replica) notified(_, payload string) {
	at, ok := store.NotifiedAt(payload)
	if !ok {
		at = r.opts.Now() // a (re)connect: catch up now
	}
	r.mu.Lock()
	if r.heard.IsZero() || at.Before(r.heard) {
		r.heard = at
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// batch bounds the changes read at once.
const batch = 1000

// catchUp applies what was stored since the last catch-up and returns
// where the next one reads results from.
func (r *Replica) catchUp(ctx context.Context, from time.Time) (time.Time, error) {
	r.mu.Lock()
	heard := r.heard
	r.heard = time.Time{}
	r.mu.Unlock()
	fail := func(err error) (time.Time, error) {
		// Still unread: the next catch-up's lag counts from it.
		r.mu.Lock()
		if !heard.IsZero() && (r.heard.IsZero() || heard.Before(r.heard)) {
			r.heard = heard
		}
		r.mu.Unlock()
		return from, err
	}
	results, err := r.opts.Store.ResultsFrom(ctx, from.Add(-r.opts.Lookback))
	if err != nil {
		return fail(err)
	}
	var changes []status.Change
	applied := r.applied.Load()
	for {
		got, err := r.opts.Store.ChangesAfter(ctx, applied, batch)
		if err != nil {
			return fail(err)
		}
		for _, c := range got {
			changes = append(changes, c.Change)
			applied = c.ID
		}
		if len(got) < batch {
			break
		}
	}
	r.opts.Engine.Mirror(changes, results)
	r.applied.Store(applied)
	if len(changes) > 0 {
		r.opts.Observe(status.Result{}, changes)
	}
	if !heard.IsZero() {
		r.lagNS.Store(int64(max(r.opts.Now().Sub(heard), 0)))
	}
	return newest(results, from), nil
}

// newest is the latest start among results, or from when none is later.
func newest(results []status.Result, from time.Time) time.Time {
	for _, res := range results {
		if res.Start.After(from) {
			from = res.Start
		}
	}
	return from
}
