package main

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/ampelstatus/ampel/pkg/cluster"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/pkg/replica"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// node is this process's place among the nodes: alone, it always leads
// from start to stop; with [cluster], an Elector decides when it leads.
type node struct {
	cfg    *config.Config
	st     *store.Store
	writer *store.Writer
	engine *state.Engine
	in     *ingest.Ingest
	// shown sees what a follower's replica applies, as it sees what
	// ingest handles: the page feed and metrics.
	shown  func(status.Result, []status.Change)
	lead   *leader
	logger *slog.Logger

	el *cluster.Elector // nil without [cluster]
	// rep is the follower's replica while it runs.
	rep atomic.Pointer[replica.Replica]

	serving, draining atomic.Bool
	// loaded is set once this node's engine holds the state: its first
	// term recovered it, or its replica's first load mirrored it.
	loaded      atomic.Bool
	stopElector func()
}

// start begins the node's part: the leader's term at once when alone, the
// election with [cluster]. addr is the HTTP listener, for the console's
// list of nodes.
func (n *node) start(addr string, m *metrics.Metrics) error {
	if !n.cfg.Cluster.Enabled {
		return n.lead.start(context.Background())
	}
	lease := n.cfg.Cluster.Lease.D()
	// Until it leads, this node's writer commits no result or state
	// change: no term has epoch 0. (Console and API writes, and the
	// inbox, go through fence-free transactions.)
	n.writer.SetFence(&store.Fence{Holder: n.cfg.Cluster.Node})
	n.el = cluster.New(cluster.Options{
		Store: n.st, Node: n.cfg.Cluster.Node, Version: version, Addr: addr, Lease: lease, Logger: n.logger,
		Lead: func(ctx context.Context, f store.Fence) error {
			// Every batch from now on is written for this term only.
			n.writer.SetFence(&f)
			if err := n.lead.start(ctx); err != nil {
				return err
			}
			n.loaded.Store(true)
			return nil
		},
		Depose: func(graceful bool) {
			// A lost term leaves probes in flight little time: their
			// results would be refused anyway.
			wait := lease / 5
			if graceful {
				wait = n.cfg.Server.ShutdownTimeout.D()
			}
			deadline, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			n.lead.stop(deadline, graceful)
			if graceful {
				// The end of observation commits before the lease is
				// released, under this term's fence.
				if err := n.writer.Flush(deadline); err != nil {
					n.logger.Warn("cluster: commit before stepping down", "err", err)
				}
			}
		},
		Follow: n.follow,
	})
	n.clusterMetrics(m)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.el.Run(ctx) }()
	n.stopElector = func() { cancel(); <-done }
	return nil
}

// stop ends the node's part: the term (recording that observation ends),
// and with [cluster] the election, releasing the lease so another node
// takes over at once.
func (n *node) stop(deadline context.Context) {
	if n.el == nil {
		n.lead.stop(deadline, true)
		return
	}
	n.stopElector()
}

// ready is nil while a load balancer should send this node requests: it
// has started (alone: serving; in a cluster: its engine holds the state,
// recovered as leader or loaded by its replica) and is not draining. A node that cannot reach the
// database stays ready: it serves its last pages with their "last
// updated" time, and in a database switchover every node loses the
// database at once, so none would be left (docs/cluster.md).
func (n *node) ready() error {
	switch {
	case n.draining.Load():
		return errors.New("draining: this node is stopping")
	case !n.serving.Load():
		return errors.New("starting")
	case n.el != nil && !n.loaded.Load():
		return errors.New("starting: the state is not loaded yet")
	}
	return nil
}

// health is nil while this node can serve. Alone, the node's duties are
// all it has, so a store that cannot write or a stuck scheduler is
// unhealthy; in a cluster the node serves its last pages whatever the
// database does (readiness tells a load balancer more).
func (n *node) health() error {
	if n.el != nil {
		return nil
	}
	var errs []error
	if !n.writer.Healthy() {
		errs = append(errs, errors.New("store cannot write"))
	}
	return errors.Join(append(errs, n.lead.health())...)
}

// clusterMetrics exports the node's role, the term it saw last, the
// failovers it saw and, on a follower, its lag.
func (n *node) clusterMetrics(m *metrics.Metrics) {
	el := n.el
	m.GaugeWith("ampel_cluster_role", "1 while this node leads the cluster, 0 while it follows.",
		map[string]string{"node": n.cfg.Cluster.Node}, func() float64 { return boolFloat(el.Leader()) })
	m.Gauge("ampel_cluster_epoch", "The newest leader's term (lease epoch) this node has seen.", func() float64 { return float64(el.Epoch()) })
	m.Counter("ampel_cluster_failovers_total", "New leader terms this node saw begin after the first.", func() float64 { return float64(el.Failovers()) })
	m.Gauge("ampel_cluster_follower_lag_seconds", "How far a follower's pages are behind the leader's writes; 0 on the leader, NaN while unknown.", func() float64 {
		if el.Leader() {
			return 0
		}
		if r := n.rep.Load(); r != nil {
			return r.Lag().Seconds()
		}
		return math.NaN()
	})
	m.Counter("ampel_cluster_fenced_results_total", "Results refused because this node's term as leader had ended.", func() float64 { return float64(n.writer.Fenced()) })
}

// follow runs the follower's replica: the engine and the page feed show
// what the leader records, read from the database (pkg/replica). It
// retries the first load every second while the database is away; the
// node serves its last pages meanwhile. stop ends it before the node
// leads (the new leader then starts over from the database).
func (n *node) follow() (stop func()) {
	return runUntilStopped(context.Background(), func(ctx context.Context) {
		for {
			r, err := replica.Start(ctx, replica.Options{Store: n.st, Engine: n.engine, Observe: n.shown, Logger: n.logger})
			if err == nil {
				n.rep.Store(r)
				n.loaded.Store(true)
				<-ctx.Done()
				n.rep.Store(nil)
				r.Stop()
				return
			}
			if ctx.Err() != nil {
				return
			}
			n.logger.Warn("cluster: the follower cannot load the state yet", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	})
}

// override lays the overlay over the engine: through ingest, which
// records the changes, unless a follower's replica runs, which records
// nothing (the leader records them).
func (n *node) override(o state.Overrides, at time.Time) []status.Change {
	if r := n.rep.Load(); r != nil {
		r.Override(o, at)
		return nil
	}
	return n.in.Override(o, at)
}

// drain marks the node as stopping, so /readyz answers 503, and in a
// cluster keeps serving for [cluster] drain, so the load balancer notices
// before the listener closes. Without a cluster, or when the server
// failed, it does not wait.
func drain(n *node, wait bool, logger *slog.Logger) {
	n.draining.Store(true)
	if d := n.cfg.Cluster.Drain.D(); wait && n.cfg.Cluster.Enabled && d > 0 {
		logger.Info("draining: /readyz answers 503 before the node stops", "drain", d.String())
		time.Sleep(d) // the load balancer's checks need the time, whatever we do
	}
}
