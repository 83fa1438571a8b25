package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/alert"
	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/pkg/subhook"
	"github.com/ampelstatus/ampel/store"
	"github.com/ampelstatus/ampel/ui"
)

// hookClient is the client every request to a subscriber's URL goes
// through: public addresses only, unless alerts.allow_networks opens a
// range; bounded in time, redirects and the answer read.
func hookClient(cfg *config.Config) *safehttp.Client {
	return safehttp.New(safehttp.Options{Policy: safehttp.Policy{Allow: cfg.Alerts.Allow}, Timeout: cfg.Subscriptions.WebhookTimeout.D()})
}

// newSubhooks prepares the delivery to subscribers' webhooks and chat
// channels, a leader duty beside the mail dispatcher: the dispatcher of
// the hook outbox, and once an hour the expiry of unverified sign-ups
// and the pruning of old deliveries. /metrics counts the subscriptions by
// state and the attempts by kind and outcome.
func newSubhooks(cfg *config.Config, st *store.Store, m *metrics.Metrics, shapes ui.HookShapes, logger *slog.Logger) func(context.Context) {
	m.HookKinds(store.HookKinds)
	counts := metrics.NewSample(st.CountHooks)
	for _, state := range []string{store.HookPending, store.HookConfirmed, store.HookQuarantined, store.HookUnsubscribed} {
		m.GaugeWith("ampel_subscriber_hooks", "Subscribers' webhooks and chat channels, by state (quarantined: paused after failing deliveries, until an operator lifts it).",
			map[string]string{"state": state}, func() float64 {
				n, ok := counts.Get()
				return metrics.Value(n[state], ok)
			})
	}
	pending := metrics.NewSample(st.PendingHooks)
	m.Gauge("ampel_subscriber_hooks_pending_deliveries", "Deliveries to subscribers' webhooks and chat channels waiting to be sent, due now or retried later.",
		func() float64 { return metrics.Value(pending.Get()) })
	s := cfg.Subscriptions
	d := subhook.New(st, subhook.Options{
		Client: hookClient(cfg), Title: cfg.Site.Title, URL: siteForMail(cfg).URL,
		Page: shapes.Page, Component: shapes.Component, Incident: shapes.Incident,
		Quarantine: store.Quarantine{Failures: s.QuarantineAfter, Window: s.QuarantineWindow.D()},
		RetryFor:   s.WebhookRetryFor.D(), Workers: s.WebhookWorkers,
		OnAttempt: func(kind string, a channel.Attempt) { m.ObserveHook(kind, a.Outcome.String()) },
		Logger:    logger,
	})
	return func(ctx context.Context) {
		var wg sync.WaitGroup
		wg.Go(func() { d.Run(ctx) })
		wg.Go(func() { tidyHooks(ctx, st, logger) })
		wg.Wait()
	}
}

// keepHooks is how long finished deliveries and attempts are kept.
const keepHooks = 30 * 24 * time.Hour

// tidyHooks deletes expired sign-ups and old deliveries once an hour.
func tidyHooks(ctx context.Context, st *store.Store, logger *slog.Logger) {
	for {
		now := time.Now()
		if _, err := st.ExpireHooks(ctx, now); err != nil && ctx.Err() == nil {
			logger.Warn("expire hook subscribers", "err", err)
		}
		if _, err := st.PruneHooks(ctx, now.Add(-keepHooks)); err != nil && ctx.Err() == nil {
			logger.Warn("prune hook deliveries", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

// quarantineCondition is the operator-only alert while subscriptions are
// quarantined: it fires when the first is paused and ends once operators
// released or deleted them all.
func quarantineCondition(st *store.Store) alert.Condition {
	bad, cause := false, "no subscriber webhook is quarantined"
	return alert.Condition{Key: "subscribers-quarantined", Check: func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := st.CountHooks(ctx)
		if err != nil {
			// A store that cannot answer is its own alert: this one
			// neither starts nor ends on it.
			return bad, cause
		}
		bad, cause = n[store.HookQuarantined] > 0, "no subscriber webhook is quarantined"
		if bad {
			cause = fmt.Sprintf("%d subscriber webhooks quarantined after failing deliveries: see the console's Subscribers page", n[store.HookQuarantined])
		}
		return bad, cause
	}}
}
