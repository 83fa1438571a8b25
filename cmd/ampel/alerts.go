package main

import (
	"context"
	"log/slog"
	"math"
	"net/mail"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/alert"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/mailer"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/store"
)

// startAlerts runs the alert dispatcher of ampel serve, a leader duty
// like the mail dispatcher; nothing runs without [[alerts.channels]].
// stop lets the attempt in flight finish and be recorded, then returns.
func startAlerts(cfg *config.Config, st *store.Store, m *metrics.Metrics, logger *slog.Logger) (stop func(), err error) {
	if len(cfg.Alerts.Channels) == 0 {
		return func() {}, nil
	}
	targets, err := alert.Targets(cfg)
	if err != nil {
		return nil, err
	}
	opt := alert.Options{
		Targets: targets, Site: alertSite(cfg),
		Client:      safehttp.New(safehttp.Options{Policy: safehttp.Policy{Allow: cfg.Alerts.Allow}}),
		GroupWindow: cfg.Alerts.GroupWindow.D(), RetryFor: cfg.Alerts.RetryFor.D(),
		OnAttempt: m.ObserveAlert, OnGiveUp: m.AlertGivenUp, Logger: logger,
	}
	var closeMail func() error
	for _, t := range targets {
		if t.Kind != alert.Email || opt.Mail != nil {
			continue
		}
		opt.From = (&mail.Address{Name: cfg.Site.Title, Address: "status@localhost"}).String()
		if cfg.SMTP != nil {
			s, err := mailer.NewSMTP(cfg.SMTP, nil)
			if err != nil {
				return nil, err
			}
			opt.Mail, opt.From, closeMail = s, cfg.SMTP.From, s.Close
		} else {
			dir, err := mailer.NewDir(mailFolder(cfg))
			if err != nil {
				return nil, err
			}
			opt.Mail, closeMail = dir, dir.Close
		}
	}
	names := make([]string, 0, len(targets))
	for n := range targets {
		names = append(names, n)
	}
	m.AlertChannels(names)
	m.Gauge("ampel_alerts_pending", "Operator alerts waiting to be sent, due now, held by a delay or group window, or retried later.", func() float64 {
		n, err := st.PendingAlerts(context.Background())
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	})
	d := alert.New(st, opt)
	stopRun := runUntilStopped(d.Run)
	prune := runUntilStopped(func(ctx context.Context) { pruneAlerts(ctx, st, logger) })
	logger.Info("alerts go out", "channels", len(targets), "rules", len(cfg.Alerts.EffectiveRules()))
	return func() {
		prune()
		stopRun()
		if closeMail != nil {
			if err := closeMail(); err != nil {
				logger.Warn("closing the alert mail connection", "err", err)
			}
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
