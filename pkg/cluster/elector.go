// Package cluster elects the one leader among the ampel serve nodes that
// share a PostgreSQL database: a lease row with an epoch, judged by the
// database's clock (docs/cluster.md, "How leadership works").
package cluster

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// Roles a node reports (cluster_nodes.role, logs).
const (
	RoleStarting = "starting"
	RoleFollower = "follower"
	RoleLeader   = "leader"
	RoleStopped  = "stopped"
)

// Options configure an Elector.
type Options struct {
	Store *store.Store
	// Node names this node; Version and Addr are what the console lists.
	Node, Version, Addr string
	// Lease is a term's length without renewal; the elector tries every
	// third of it.
	Lease  time.Duration
	Logger *slog.Logger

	// Lead starts the leader's duties under ctx, which carries the
	// term's fence (store.WithFence) and ends when the term does; it
	// returns once they run. An error gives the term up.
	Lead func(ctx context.Context, fence store.Fence) error
	// Depose stops the duties Lead started and waits for them. graceful
	// is true when the node stops while it still holds the lease (it may
	// record that observation ends), false when the term was lost.
	Depose func(graceful bool)
	// Follow starts what a follower runs (the read model fed from the
	// database); the returned stop ends it before the node leads. Nil:
	// nothing.
	Follow func() (stop func())
}

// Elector runs one node's side of the election. Its getters are safe for
// concurrent use.
type Elector struct {
	opts Options
	log  *slog.Logger

	role      atomic.Value // string
	epoch     atomic.Int64 // the newest term seen, this node's or another's
	failovers atomic.Uint64

	mu       sync.Mutex
	unfollow func() // guarded by mu
}

// New returns an Elector; nothing runs until Run.
func New(opts Options) *Elector {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Elector{opts: opts, log: opts.Logger}
	e.role.Store(RoleStarting)
	return e
}

// Role returns RoleStarting until the first attempt, then RoleLeader or
// RoleFollower.
func (e *Elector) Role() string { return e.role.Load().(string) }

// Leader reports whether this node leads now.
func (e *Elector) Leader() bool { return e.Role() == RoleLeader }

// Epoch returns the newest term this node has seen.
func (e *Elector) Epoch() int64 { return e.epoch.Load() }

// Failovers counts the new terms this node saw begin after the first
// one it saw: each a change of leader, or a leader that came back.
func (e *Elector) Failovers() uint64 { return e.failovers.Load() }

// term is the state of the Run loop.
type term struct {
	epoch int64 // this node's term; 0 while it does not lead
	// until is the local, monotonic instant by which the node steps
	// down unless a renewal succeeds: before the database can let the
	// term expire (see Run).
	until  time.Time
	cancel context.CancelFunc
}

// Run takes part in the election until ctx ends: it tries to take or
// renew the lease every third of its length, starts the leader's duties
// when it wins, and stops them when it loses. Then, if it leads, it
// stops the duties and releases the lease, so another node takes over at
// once.
//
// A renewal succeeds at most the lease's length before the term can
// expire in the database: the statement sets the end from the database's
// clock when it runs, which is after it was sent. So a leader that sent
// its last successful renewal at t steps down at t + 4/5 of the lease
// (its own monotonic clock), before any other node can take the lease,
// whatever is wrong: the database away, the network cut, a renewal
// stuck.
func (e *Elector) Run(ctx context.Context) {
	var t term
	every := e.opts.Lease / 3
	e.follow()
	failing := false
	for {
		sent := time.Now()
		wait := every
		r := e.attempt(ctx, &t, sent)
		switch {
		case ctx.Err() != nil:
			e.stop(&t)
			return
		case r.err != nil:
			if !failing {
				e.log.Warn("cluster: cannot reach the lease", "node", e.opts.Node, "err", r.err)
			}
			failing = true
			wait = every / 3 // try again soon: a leader's term runs out
		case r.won && r.deposed:
			// A renewal that got through after this node stepped down:
			// give the term back rather than let it run out unled.
			e.release(r.lease.Epoch)
		case r.won:
			failing = false
			e.seeEpoch(r.lease.Epoch)
			t.until = sent.Add(e.opts.Lease * 4 / 5)
			if t.epoch == 0 {
				e.lead(ctx, &t, r.lease.Epoch)
			}
		default:
			failing = false
			e.seeEpoch(r.lease.Epoch)
			if t.epoch != 0 {
				e.depose(&t, "another node took the lease")
			}
			e.follow()
			// Try again just after the running term can expire, not a
			// whole try later: a dead leader is replaced within the
			// lease. (The term's end and now are the database's clock.)
			if left := r.lease.Expires.Sub(r.lease.Now); left >= 0 {
				wait = min(wait, left+every/30)
			}
		}
		if t.epoch != 0 {
			wait = min(wait, time.Until(t.until))
		}
		timer := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			timer.Stop()
			e.stop(&t)
			return
		case <-timer.C:
		}
	}
}

// result is one attempt at the lease.
type result struct {
	lease store.Lease
	won   bool
	err   error
	// epoch is the term the attempt renewed (0: it tried to take one);
	// deposed is set when the node stepped down while it ran.
	epoch   int64
	deposed bool
}

// attempt takes or renews the lease once, then records this node in
// cluster_nodes. A leader steps down when its term's local deadline
// passes while the attempt still runs: a database cut off mid-statement
// does not return when asked to.
func (e *Elector) attempt(ctx context.Context, t *term, sent time.Time) result {
	deadline := sent.Add(e.opts.Lease / 3)
	if t.epoch != 0 {
		deadline = minTime(deadline, t.until)
	}
	actx, cancel := context.WithDeadline(ctx, deadline)
	done := make(chan result, 1)
	epoch := t.epoch
	go func() {
		defer cancel()
		l, won, err := e.opts.Store.TakeLease(actx, e.opts.Node, epoch, e.opts.Lease)
		done <- result{lease: l, won: won, err: err, epoch: epoch}
		if err == nil {
			role := RoleFollower
			if won {
				role = RoleLeader
			}
			e.seeNode(ctx, role, l.Epoch)
		}
	}()
	if t.epoch == 0 {
		return <-done
	}
	timer := time.NewTimer(time.Until(t.until))
	defer timer.Stop()
	select {
	case r := <-done:
		return r
	case <-timer.C:
		e.depose(t, "no renewal within the lease")
		e.follow()
		r := <-done
		r.deposed = true
		return r
	}
}

// lead starts a term won at epoch; when its duties fail to start, the
// term is given up at once.
func (e *Elector) lead(ctx context.Context, t *term, epoch int64) {
	e.unfollowNow()
	fence := store.Fence{Holder: e.opts.Node, Epoch: epoch}
	tctx, cancel := context.WithCancel(store.WithFence(ctx, fence))
	t.epoch, t.cancel = epoch, cancel
	e.role.Store(RoleLeader)
	e.log.Info("cluster: leading", "node", e.opts.Node, "epoch", epoch)
	if err := e.opts.Lead(tctx, fence); err != nil {
		e.log.Error("cluster: leader duties did not start; giving the lease up", "node", e.opts.Node, "epoch", epoch, "err", err)
		e.depose(t, "duties did not start")
		e.release(epoch)
		e.follow()
	}
}

// depose ends this node's term.
func (e *Elector) depose(t *term, why string) {
	// The node stops saying it leads, and its duties' ctx ends, at
	// once; waiting for them to wind down comes after.
	e.log.Warn("cluster: stepping down", "node", e.opts.Node, "epoch", t.epoch, "why", why)
	e.role.Store(RoleFollower)
	t.cancel()
	e.opts.Depose(false)
	t.epoch, t.cancel = 0, nil
}

// stop ends the node's part at shutdown.
func (e *Elector) stop(t *term) {
	if t.epoch != 0 {
		e.opts.Depose(true)
		t.cancel()
		e.release(t.epoch)
		t.epoch = 0
	}
	e.unfollowNow()
	e.role.Store(RoleStopped)
	// The console shows it stopped, not leading.
	e.seeNode(context.Background(), RoleStopped, e.Epoch())
}

func (e *Elector) release(epoch int64) {
	ctx, cancel := context.WithTimeout(context.Background(), e.opts.Lease/3)
	defer cancel()
	if err := e.opts.Store.ReleaseLease(ctx, e.opts.Node, epoch); err != nil {
		e.log.Warn("cluster: release the lease", "node", e.opts.Node, "err", err)
	}
}

// follow starts the follower's part unless it runs.
func (e *Elector) follow() {
	e.role.Store(RoleFollower)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.unfollow == nil && e.opts.Follow != nil {
		e.unfollow = e.opts.Follow()
	}
}

func (e *Elector) unfollowNow() {
	e.mu.Lock()
	stop := e.unfollow
	e.unfollow = nil
	e.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// seeEpoch notes the newest term; a newer one after the first is a
// failover.
func (e *Elector) seeEpoch(epoch int64) {
	if old := e.epoch.Load(); epoch > old {
		e.epoch.Store(epoch)
		if old != 0 {
			e.failovers.Add(1)
		}
	}
}

// seeNode records this node in cluster_nodes; a failure is left to the
// next turn.
func (e *Elector) seeNode(ctx context.Context, role string, epoch int64) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.Lease/3)
	defer cancel()
	n := store.Node{Node: e.opts.Node, Role: role, Version: e.opts.Version, Addr: e.opts.Addr, Epoch: epoch}
	if err := e.opts.Store.SeeNode(ctx, n); err != nil && ctx.Err() == nil {
		e.log.Debug("cluster: record this node", "err", err)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
