package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ampelstatus/ampel/pkg/alert"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/notify"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/probes"
	"github.com/ampelstatus/ampel/probes/schedule"
	"github.com/ampelstatus/ampel/store"
	"github.com/ampelstatus/ampel/ui"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	_, path, code, ok := configFlag("serve", args, stderr)
	if !ok {
		return code
	}
	cfg, err := loadConfig(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	probers, err := prepareChecks(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	for _, p := range permissionProblems(cfg) {
		// Not fatal: the check records no data until the setting
		// changes, and every other check goes on.
		logger.Error("probe not permitted", "key", p.Key, "err", p.Msg)
	}
	if err := runServer(ctx, cfg, probers, logger, stdout, nil); err != nil {
		logger.Error("serve failed", "err", err)
		return 1
	}
	return 0
}

// runServer runs Ampel until ctx ends, then stops gracefully: probes in
// flight finish or are abandoned at the shutdown deadline, observation is
// recorded as ended, and the last batch is committed. engine, when not
// nil, holds the state of history its caller has just written (the demo's
// backfill): the server continues it, and there is no unclean stop to
// recover from.
//
// The node's work is in two parts: what every node runs (the store, the
// HTTP server and what it reads, the overlay), here, and the leader's
// duties (see leader), started once the node leads: at once without
// [cluster].
func runServer(ctx context.Context, cfg *config.Config, probers map[string]probes.Prober, logger *slog.Logger, stdout io.Writer, engine *state.Engine) error {
	st, closeStore, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeStore()
	if engine == nil { // the demo has no config file to add a user with
		hintFirstAdmin(ctx, st, logger)
	}

	m := newMetrics(cfg, logger)
	stopPprof, err := startPprof(cfg, logger)
	if err != nil {
		return err
	}
	defer stopPprof()
	writer := st.StartWriter(store.WriterOptions{
		OnCommit: func(ci store.CommitInfo) { m.ObserveCommit(ci.Results, ci.Took, ci.Err) },
		Logger:   logger,
		Alerts:   alert.Router(cfg),
	})
	m.Gauge("ampel_store_queued_results", "Results waiting to be committed.", func() float64 { return float64(writer.Queued()) })
	m.Counter("ampel_store_dropped_results_total", "Results dropped because the store could not write for too long.", func() float64 { return float64(writer.Dropped()) })
	m.KnownChecks(checkZones(cfg))
	m.BuildInfo(version)
	backupStatus, stopBackups, err := startBackups(cfg, st.Path(), m, logger)
	if err != nil {
		return err
	}
	defer stopBackups()
	refusals := &notify.Refusals{}
	sendMail, closeMail, err := newNotify(cfg, st, m, refusals, logger)
	if err != nil {
		return err
	}
	defer closeMail()

	continued := engine != nil
	if !continued {
		engine = state.New(cfg)
	}
	notices := alert.NewNotices()
	// The store watch asks whether this node leads: only one that led
	// when the store went away alerts, so a cluster sends one alert.
	var lead *leader
	var leading func() bool
	if cfg.Cluster.Enabled {
		leading = func() bool { return lead.leading() }
	}
	runAlerts, watchStore, closeAlerts, err := newAlerts(cfg, st, m, backupStatus, engine, notices, refusals, leading, logger)
	if err != nil {
		return err
	}
	defer closeAlerts()
	cfg.ForgetLines() // the last start-up problem is behind us
	feed, shown := liveFeed(engine, m.ObserveResult)
	autos, observe := newAutoIncidents(cfg, engine, st, m, logger, shown)
	in := ingest.New(engine, writer, func(r status.Result, changes []status.Change) {
		notices.Observe(r)
		observe(r, changes)
	})
	self := &node{cfg: cfg, st: st, writer: writer, engine: engine, in: in, shown: shown, logger: logger}
	if continued {
		for _, c := range engine.Components() {
			m.SetComponent(c.Slug, c.Level)
		}
	}
	applyOverlay := overlayer(st, self.override, logger, time.Now)
	refresh := refresher(applyOverlay, feed)
	// Every node follows the console and API changes made on any node.
	stopFollowOverlay := runUntilStopped(context.Background(), func(ctx context.Context) { followOverlay(ctx, st, refresh, logger) })

	agents, err := startRemote(ctx, cfg, st, writer, engine, in, m, logger)
	if err != nil {
		return err
	}
	heartbeats, beats := newHeartbeats(cfg, st, in, writer, logger)
	lead = &leader{
		cfg: cfg, st: st, writer: writer, in: in, m: m, logger: logger, probers: probers,
		recover: !continued, refresh: refresh, autos: autos, beats: beats, mail: sendMail,
		alerts: runAlerts,
	}
	self.lead = lead
	defer runUntilStopped(context.Background(), watchStore)()
	if cfg.Cluster.Enabled {
		// Any node takes agents' pushes and heartbeat calls into the
		// inbox; the leader applies them.
		forwardHeartbeats(heartbeats, st)
		self.lead.inbox = applyInbox(st, in, writer, heartbeats, logger)
	}

	created, err := componentsSeen(ctx, cfg, st)
	if err != nil {
		return err
	}
	tcp, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (server.listen): %w", cfg.Server.Listen, err)
	}
	warnWithoutPublicURL(cfg, tcp.Addr(), logger)
	ln, budget := limitInbound(tcp, cfg, m, logger)
	started := time.Now()
	deps := ui.Deps{
		Config: cfg, Engine: engine, Gatherer: m.Registry, Logger: logger, Started: started, Created: created,
		Health: self.health, Ready: self.ready,
		Store: st, Feed: feed, Agents: agents, OnIncidentChange: applyOverlay,
		Backups: backupStatus, Heartbeats: heartbeats,
		MaxStreams: budget.Streams, StreamsPerClient: budget.StreamsPerClient,
		ClusterLimits: cfg.Cluster.Enabled,
	}
	self.lead.hooks = newSubhooks(cfg, st, m, ui.NewHookShapes(deps, siteForMail(cfg).URL), logger)
	srv := ui.NewServer(ui.New(deps), logger)
	srv.RegisterOnShutdown(feed.Hub().Close)

	// Without [cluster] this node leads at once, without a lease.
	if err := self.start(ln.Addr().String(), m); err != nil {
		ln.Close()
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	self.serving.Store(true)

	logger.Info("serving", "addr", ln.Addr().String(), "jobs", self.lead.jobs(), "db", historyName(cfg))
	fmt.Fprintf(stdout, "Ampel is serving http://%s (%s)\n", ln.Addr(), cfg.Summary())

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-serveErr:
		runErr = fmt.Errorf("http server: %w", runErr)
	}

	logger.Info("shutting down")
	drain(self, runErr == nil, logger)
	deadline, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout.D())
	defer cancel()
	agents.Stop()
	self.lead.stopProbing(deadline)
	// HTTP first: an agent push or operator request still in flight must
	// not write after the stop is recorded.
	if err := srv.Shutdown(deadline); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("http shutdown", "err", err)
	}
	stopFollowOverlay() // before observation ends: it re-applies the overlay
	// The rollups up to the stop, before observation ends: ending it
	// moves every subject to no data (201,000 changes at 100,000
	// checks), which folds in about as long as a whole day's rewrite
	// (docs/performance.md), more than shutdown_timeout; the next start's
	// first build folds them.
	if err := st.BuildRollups(deadline, cfg.Location, time.Now()); err != nil {
		logger.Warn("final rollups", "err", err)
	}
	self.stop(deadline)
	if err := writer.Close(deadline); err != nil {
		return errors.Join(runErr, fmt.Errorf("commit last batch: %w", err))
	}
	logger.Info("stopped")
	return runErr
}

// jobs lists every check in every local zone it runs in; remote zones are
// probed by their agents.
func jobs(cfg *config.Config, probers map[string]probes.Prober) []schedule.Job {
	local := map[string]bool{}
	for _, z := range cfg.Zones {
		local[z.Name] = z.Kind == "local"
	}
	var js []schedule.Job
	for _, comp := range cfg.Components {
		for _, chk := range comp.Checks {
			for _, zone := range chk.Zones {
				if !local[zone] || probers[chk.Name] == nil {
					continue // a remote zone's agent probes it; a heartbeat calls in
				}
				js = append(js, schedule.Job{
					Check: chk.Name, Zone: zone,
					Interval: chk.Interval.D(), Timeout: chk.Timeout.D(),
					Probe: probers[chk.Name], Env: probes.Env{Zone: zone},
				})
			}
		}
	}
	return js
}

// housekeep folds history into rollups every minute and prunes raw results
// past the retention every hour.
func housekeep(ctx context.Context, st *store.Store, cfg *config.Config, logger *slog.Logger) {
	rollup := func() {
		if err := st.BuildRollups(ctx, cfg.Location, time.Now()); err != nil && ctx.Err() == nil {
			logger.Warn("build rollups", "err", err)
		}
	}
	prune := func() {
		n, err := st.PruneResults(ctx, time.Now().Add(-cfg.Storage.Retention.D()))
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("prune results", "err", err)
		case n > 0:
			logger.Info("pruned results", "rows", n, "retention", cfg.Storage.Retention.D().String())
		}
		expireSubscribers(ctx, st, logger)
		pruneClusterTables(ctx, st, logger)
	}
	rollup()
	prune()
	// A build rewrites only the subjects changed since the last one
	// (docs/performance.md, 100,000 checks: 1.4-6.8 ms on a quiet
	// minute, half a second with 1 % changed), so every minute at any
	// size.
	minute, hour := time.NewTicker(time.Minute), time.NewTicker(time.Hour)
	defer minute.Stop()
	defer hour.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-minute.C:
			rollup()
		case <-hour.C:
			prune()
		}
	}
}

// componentsSeen records the components this config shows and returns
// when each first appeared, for Statuspage's created_at.
func componentsSeen(ctx context.Context, cfg *config.Config, st *store.Store) (map[string]time.Time, error) {
	slugs := make([]string, 0, len(cfg.Components))
	for _, c := range cfg.Components {
		slugs = append(slugs, c.Slug)
	}
	return st.ComponentsSeen(ctx, slugs, time.Now())
}

// checkZones lists each check's zones, so its failure counters start at 0.
func checkZones(cfg *config.Config) map[string][]string {
	out := map[string][]string{}
	for _, comp := range cfg.Components {
		for _, chk := range comp.Checks {
			out[chk.Name] = chk.Zones
		}
	}
	return out
}
