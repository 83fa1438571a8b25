package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/alert"
	"github.com/ampelstatus/ampel/pkg/backup"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/mailer"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/pkg/notify"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// newAlerts prepares the alert duties of ampel serve, run as one leader
// duty like the mail dispatcher: the dispatcher of the alert outbox, its
// pruning, and the watch on Ampel's own problems (see operatorConditions)
// and on the checks' operator notices (certificates expiring).
// Without [[alerts.channels]] run does nothing but wait. run returns once
// ctx ends and the attempt in flight is recorded; closeAlerts closes the
// mail connection after the last run. watchStore, which every node runs
// (the leader's lease may be gone with the database), alerts directly
// when the store cannot be written; leading is nil without [cluster].
func newAlerts(cfg *config.Config, st *store.Store, m *metrics.Metrics, backups func() backup.Status, engine *state.Engine, notices *alert.Notices,
	refusals *notify.Refusals, leading func() bool, logger *slog.Logger) (run, watchStore func(context.Context), closeAlerts func(), err error) {
	if len(cfg.Alerts.Channels) == 0 {
		wait := func(ctx context.Context) { <-ctx.Done() }
		return wait, wait, func() {}, nil
	}
	targets, err := alert.Targets(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	opt := alert.Options{
		Targets: targets, Site: alertSite(cfg),
		Client:      safehttp.New(safehttp.Options{Policy: safehttp.Policy{Allow: cfg.Alerts.Allow}}),
		GroupWindow: cfg.Alerts.GroupWindow.D(), RetryFor: cfg.Alerts.RetryFor.D(),
		OnAttempt: m.ObserveAlert, OnGiveUp: m.AlertGivenUp, Logger: logger,
	}
	closeMail := func() error { return nil }
	if slices.ContainsFunc(cfg.Alerts.Channels, func(c config.AlertChannel) bool { return c.Kind == string(alert.Email) }) {
		opt.From = (&mail.Address{Name: cfg.Site.Title, Address: "status@localhost"}).String()
		if cfg.SMTP != nil {
			s, err := mailer.NewSMTP(cfg.SMTP, nil)
			if err != nil {
				return nil, nil, nil, err
			}
			opt.Mail, opt.From, closeMail = s, cfg.SMTP.From, s.Close
		} else {
			dir, err := mailer.NewDir(mailFolder(cfg))
			if err != nil {
				return nil, nil, nil, err
			}
			opt.Mail = dir
		}
	}
	names := make([]string, 0, len(targets))
	for n := range targets {
		names = append(names, n)
	}
	slices.Sort(names)
	m.AlertChannels(names)
	pending := metrics.NewSample(st.PendingAlerts)
	m.Gauge("ampel_alerts_pending", "Operator alerts waiting to be sent, due now, held by a delay or group window, or retried later.",
		func() float64 { return metrics.Value(pending.Get()) })
	d := alert.New(st, opt)
	own, quarantined := operatorConditions(backups, engine, refusals), quarantineCondition(st)
	w := alert.NewWatcher(st, names, func() []alert.Condition {
		return append(append(own(), notices.Conditions()...), quarantined)
	}, nil, logger)
	logger.Info("alerts go out", "channels", len(targets), "rules", len(cfg.Alerts.EffectiveRules()))
	run = func(ctx context.Context) {
		var wg sync.WaitGroup
		for _, loop := range []func(context.Context){
			d.Run,
			func(ctx context.Context) { pruneAlerts(ctx, st, logger) },
			func(ctx context.Context) { w.Run(ctx, watchEvery) },
		} {
			wg.Go(func() { loop(ctx) })
		}
		wg.Wait()
	}
	sw := &alert.StoreWatch{Probe: st.ProbeWrite, Send: d.SendNow, After: cfg.Alerts.StoreUnhealthyAfter.D(),
		Leading: leading, Now: time.Now, Log: logger}
	m.Gauge("ampel_store_write_failing", "1 while the store refuses the health watch's write (database down, disk errors), else 0.", func() float64 {
		if sw.Failing() {
			return 1
		}
		return 0
	})
	m.Counter("ampel_store_unhealthy_alerts_total", "Outages of the store alerted to the operators (directly, not through the outbox).", func() float64 { return float64(sw.Alerts()) })
	watchStore = func(ctx context.Context) { sw.Run(ctx, storeWatchEvery) }
	return run, watchStore, func() {
		if err := closeMail(); err != nil {
			logger.Warn("closing the alert mail connection", "err", err)
		}
	}, nil
}

// keepAlerts is how long finished alerts and attempts stay in the outbox.
const keepAlerts = 30 * 24 * time.Hour

// pruneAlerts deletes old finished alerts once an hour.
func pruneAlerts(ctx context.Context, st *store.Store, logger *slog.Logger) {
	for {
		if err := st.PruneAlerts(ctx, time.Now().Add(-keepAlerts)); err != nil && ctx.Err() == nil {
			logger.Warn("prune alerts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

// alertSite is what alerts say about the site.
func alertSite(cfg *config.Config) alert.Site {
	url := strings.TrimRight(cfg.Site.PublicURL, "/")
	if url == "" {
		url = "http://" + localAddr(cfg.Server.Listen)
	}
	s := alert.Site{Title: cfg.Site.Title, URL: url, Components: cfg.ComponentNames(), CheckComponent: map[string]string{}}
	for _, c := range cfg.Components {
		for _, chk := range c.Checks {
			s.CheckComponent[chk.Name] = c.Slug
		}
	}
	return s
}

// storeWatchEvery is how often every node probes a write to the store.
const storeWatchEvery = 5 * time.Second

// watchEvery is how often the operator-only conditions are looked at.
const watchEvery = 5 * time.Second

// mailRefusalsToAlert is how many subscriber mails given up within an
// hour (and at least a tenth of the hour's mail) alert the operators.
const mailRefusalsToAlert = 5

// operatorConditions are Ampel's own problems, which the status page
// never shows: subscriber mail bouncing or refused, snapshots failing
// (backups nil: none taken), a zone whose checks all went stale (its
// agent silent).
func operatorConditions(backups func() backup.Status, engine *state.Engine, refusals *notify.Refusals) func() []alert.Condition {
	return func() []alert.Condition {
		out := []alert.Condition{{Key: "mail-bouncing", Check: func() (bool, string) {
			return refusals.Bouncing(time.Now(), mailRefusalsToAlert)
		}}}
		if backups != nil {
			out = append(out, alert.Condition{Key: "backups", Check: func() (bool, string) {
				s := backups()
				switch {
				case s.LastErr != nil:
					return true, "the last snapshot failed: " + s.LastErr.Error()
				case s.CommandFailures > 0 && !s.CommandOK:
					return true, "the backup command failed for the newest snapshot"
				}
				return false, "snapshots are taken again"
			}})
		}
		fresh := engine.Freshness()
		zones := make([]string, 0, len(fresh))
		for z := range fresh {
			zones = append(zones, z)
		}
		slices.Sort(zones)
		for _, z := range zones {
			f := fresh[z]
			out = append(out, alert.Condition{Key: "zone-" + z, Check: func() (bool, string) {
				if f.Stale > 0 && f.Fresh == 0 {
					return true, fmt.Sprintf("zone %s sends no results for any of its %d checks (agent silent?)", z, f.Stale)
				}
				return false, "zone " + z + " reports again"
			}})
		}
		return out
	}
}
