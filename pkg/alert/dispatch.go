package alert

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/ampelstatus/ampel/pkg/backoff"
	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/store"
)

// Sender delivers the email kind's alerts: mailer.SMTP, or mailer.Dir
// without a server.
type Sender interface {
	Send(ctx context.Context, m *mail.Msg) error
}

// Options tune a Dispatcher; zero values take the defaults.
type Options struct {
	// Targets are the channels by name; an alert to a channel no longer
	// configured fails.
	Targets map[string]*Target
	// Client sends the HTTP kinds (default: safehttp with its defaults).
	Client *safehttp.Client
	// Mail sends the email kind; From is its sender address.
	Mail Sender
	From string
	// Site names the status page in alerts and links to it.
	Site Site
	// GroupWindow is the shortest time between two sends to a channel;
	// what comes due within it waits and goes out together.
	GroupWindow time.Duration
	// RetryFor is how long an alert is retried, from its first attempt,
	// before it is given up (default 1h).
	RetryFor time.Duration
	// RetryBase is the first wait after a failed attempt (default 2s); it
	// doubles per attempt up to RetryMax (default 5m).
	RetryBase, RetryMax time.Duration
	// Poll is how often the outbox is looked at without a wake-up
	// (default 5s); Batch how many alerts are read at once (default 500).
	Poll  time.Duration
	Batch int
	// OnAttempt, when set, is told of every attempt (for /metrics):
	// the channel, "delivered", "retry" or "failed", and its latency.
	OnAttempt func(channel, outcome string, latency time.Duration)
	// OnGiveUp, when set, is told of every alert given up.
	OnGiveUp func(channel string)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger gets what went wrong (default slog.Default()).
	Logger *slog.Logger
}

// Site is what alerts say about the status page.
type Site struct {
	Title, URL string
	// Components maps slugs to names; CheckComponent check names to the
	// slug of their component.
	Components     map[string]string
	CheckComponent map[string]string
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.RetryFor, time.Hour)
	def(&o.RetryBase, 2*time.Second)
	def(&o.RetryMax, 5*time.Minute)
	def(&o.Poll, 5*time.Second)
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Client == nil {
		o.Client = safehttp.New(safehttp.Options{})
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Dispatcher sends the alert outbox. Run owns it; it is not safe for
// concurrent use.
type Dispatcher struct {
	st  *store.Store
	opt Options
	// lastSent is when each channel was last sent to, for the group
	// window.
	lastSent map[string]time.Time
	// held is the earliest end of a group window that holds due alerts
	// back; zero when none does.
	held time.Time
	// quiet maps the components whose alerts are dropped in this pass
	// (silenced, in maintenance) to why.
	quiet map[string]string
}

// New makes a dispatcher of st's alert outbox.
func New(st *store.Store, opt Options) *Dispatcher {
	opt.defaults()
	return &Dispatcher{st: st, opt: opt, lastSent: map[string]time.Time{}}
}

// Run sends the outbox until ctx ends: at every wake-up from the store,
// when the next alert or group window is due, and every Poll anyway. The
// attempt in flight when ctx ends is finished and recorded.
func (d *Dispatcher) Run(ctx context.Context) {
	wake := d.st.AlertWake()
	for {
		err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.opt.Logger.Error("alert_pass_failed", "err", err)
		}
		wait := d.opt.Poll
		now := d.opt.Now()
		if next, nerr := d.st.NextAlertAt(ctx); err == nil && nerr == nil && !next.IsZero() {
			// After a pass, what is already due is held by a group
			// window: the window's end is the time to look again.
			if w := next.Sub(now); w > 0 || d.held.IsZero() {
				wait = min(wait, max(w, 0))
			}
		}
		if !d.held.IsZero() {
			wait = min(wait, max(d.held.Sub(now), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-wake:
			t.Stop()
		}
	}
}

// RunOnce sends every alert that is due and not held by its channel's
// group window.
func (d *Dispatcher) RunOnce(ctx context.Context) error {
	now := d.opt.Now()
	d.held = time.Time{}
	due, err := d.st.DueAlerts(ctx, now, d.opt.Batch)
	if err != nil || len(due) == 0 {
		return err
	}
	if d.quiet, err = d.quietComponents(ctx, now); err != nil {
		return err
	}
	byChannel := map[string][]store.Alert{}
	var order []string
	for _, a := range due {
		if _, ok := byChannel[a.Channel]; !ok {
			order = append(order, a.Channel)
		}
		byChannel[a.Channel] = append(byChannel[a.Channel], a)
	}
	for _, name := range order {
		if ctx.Err() != nil {
			return nil
		}
		if err := d.channel(ctx, name, byChannel[name]); err != nil {
			return err
		}
	}
	return nil
}

// channel sends one channel's due alerts, unless its group window holds
// them: alerts of a test alone, webhook and pagerduty alerts one by one
// (their receivers correlate by component), the rest as one message.
func (d *Dispatcher) channel(ctx context.Context, name string, alerts []store.Alert) error {
	now := d.opt.Now()
	t := d.opt.Targets[name]
	if t == nil {
		return d.finish(ctx, name, alerts, nil, "failed", time.Time{}, fmt.Sprintf("channel %q is no longer configured", name))
	}
	var live []store.Alert
	for _, a := range alerts {
		if why := d.quiet[d.event(a).Component]; why != "" && a.Kind == store.AlertTrigger {
			if err := d.finish(ctx, name, []store.Alert{a}, nil, "cancelled", time.Time{}, why); err != nil {
				return err
			}
			continue
		}
		if !a.FirstTry.IsZero() && now.Sub(a.FirstTry) > d.opt.RetryFor {
			if err := d.giveUp(ctx, name, []store.Alert{a}, "not delivered within retry_for"); err != nil {
				return err
			}
			continue
		}
		live = append(live, a)
	}
	if len(live) == 0 {
		return nil
	}
	if end := d.lastSent[name].Add(d.opt.GroupWindow); d.opt.GroupWindow > 0 && now.Before(end) {
		if d.held.IsZero() || end.Before(d.held) {
			d.held = end
		}
		return nil
	}
	d.lastSent[name] = now
	gs := groups(t.Kind, live)
	for len(gs) > 0 && ctx.Err() == nil {
		chunk := gs[:min(len(gs), startChunk)]
		gs = gs[len(chunk):]
		var ids []int64
		for _, g := range chunk {
			for _, a := range g {
				ids = append(ids, a.ID)
			}
		}
		// The attempts are counted before any is made, so that the end of
		// an alert, if it comes meanwhile, is sent.
		if err := d.st.StartAlerts(context.WithoutCancel(ctx), ids, d.opt.Now()); err != nil {
			return err
		}
		for _, g := range chunk {
			if err := d.send(ctx, t, g); err != nil {
				return err
			}
		}
	}
	return nil
}

// startChunk is how many requests' alerts are counted as started in one
// transaction: fewer commits per alert, and a retry_for clock that does
// not start long before an alert is really tried.
const startChunk = 16

// quietComponents are the components silenced from the console or in a
// maintenance window in progress: their new alerts are dropped (the end
// of one that went out before still is sent).
func (d *Dispatcher) quietComponents(ctx context.Context, now time.Time) (map[string]string, error) {
	quiet := map[string]string{}
	silences, err := d.st.Silences(ctx, now)
	if err != nil {
		return nil, err
	}
	for c, s := range silences {
		quiet[c] = "silenced by " + s.By + " until " + s.Until.UTC().Format(time.RFC3339)
	}
	ms, err := d.st.OpenMaintenancesNoTimeline(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Status != "in_progress" && m.Status != "verifying" {
			continue
		}
		for _, c := range m.ComponentIDs {
			quiet[c] = fmt.Sprintf("in maintenance %q", m.Name)
		}
	}
	return quiet, nil
}

// groups splits a channel's due alerts into the requests that carry them.
func groups(kind channel.Kind, alerts []store.Alert) [][]store.Alert {
	var out [][]store.Alert
	var rest []store.Alert
	for _, a := range alerts {
		if a.Kind == store.AlertTest || kind == channel.Webhook || kind == channel.PagerDuty {
			out = append(out, []store.Alert{a})
			continue
		}
		rest = append(rest, a)
	}
	if len(rest) > 0 {
		out = append(out, rest)
	}
	return out
}

// giveUp fails alerts for good and counts them.
func (d *Dispatcher) giveUp(ctx context.Context, name string, alerts []store.Alert, reason string) error {
	d.opt.Logger.Warn("alert_given_up", "channel", name, "alerts", len(alerts), "reason", reason)
	if d.opt.OnGiveUp != nil {
		for range alerts {
			d.opt.OnGiveUp(name)
		}
	}
	return d.finish(ctx, name, alerts, nil, "failed", time.Time{}, reason)
}

func (d *Dispatcher) finish(ctx context.Context, _ string, alerts []store.Alert, att *store.AlertAttempt, outcome string, next time.Time, reason string) error {
	ids := make([]int64, len(alerts))
	for i, a := range alerts {
		ids[i] = a.ID
	}
	return d.st.FinishAlerts(context.WithoutCancel(ctx), ids, att, outcome, next, reason, d.opt.Now())
}

// send makes one attempt on a group, already counted as started, and
// records it before the next, so that a crash re-sends at most this one;
// the attempt and its record outlive ctx.
func (d *Dispatcher) send(ctx context.Context, t *Target, group []store.Alert) error {
	keep := context.WithoutCancel(ctx)
	a := d.attempt(keep, t, group)
	att := &store.AlertAttempt{Channel: t.Name, At: d.opt.Now(), Alerts: len(group), Status: a.Status, Latency: a.Latency}
	if a.Err != nil {
		att.Error = a.Err.Error()
	}
	outcome, next := d.judge(a, att.At, group)
	att.Outcome = outcome
	if d.opt.OnAttempt != nil {
		d.opt.OnAttempt(t.Name, outcome, a.Latency)
	}
	log := d.opt.Logger.With("channel", t.Name, "alerts", len(group), "status", a.Status)
	switch outcome {
	case "failed":
		if a.Outcome == channel.Retry {
			att.Error += " (given up after alerts.retry_for)"
		}
		log.Warn("alert_given_up", "err", att.Error)
		if d.opt.OnGiveUp != nil {
			for range group {
				d.opt.OnGiveUp(t.Name)
			}
		}
	case "retry":
		log.Info("alert_deferred", "err", a.Err, "retry_in", next.Sub(att.At))
	}
	return d.finish(keep, t.Name, group, att, outcome, next, att.Error)
}

// judge turns an attempt into what to do with its alerts: delivered,
// failed (refused, or no retry left within RetryFor of the first
// attempt), or retried at next, after the backoff or the receiver's
// Retry-After.
func (d *Dispatcher) judge(a channel.Attempt, now time.Time, group []store.Alert) (outcome string, next time.Time) {
	switch a.Outcome {
	case channel.Delivered:
		return "delivered", time.Time{}
	case channel.Permanent:
		return "failed", time.Time{}
	}
	attempts, first := 0, now
	for _, g := range group {
		attempts = max(attempts, g.Attempts)
		if !g.FirstTry.IsZero() && g.FirstTry.Before(first) {
			first = g.FirstTry
		}
	}
	next = now.Add(channel.Wait(a, backoff.Exp(d.opt.RetryBase, d.opt.RetryMax, attempts), d.opt.RetryMax))
	if next.Sub(first) > d.opt.RetryFor {
		return "failed", time.Time{}
	}
	return "retry", next
}

// attempt renders and sends one request (or mail) carrying group.
func (d *Dispatcher) attempt(ctx context.Context, t *Target, group []store.Alert) channel.Attempt {
	evs := make([]channel.Event, len(group))
	for i, a := range group {
		evs[i] = d.event(a)
	}
	ev := evs[0]
	if len(evs) > 1 {
		ev = combine(evs, d.opt.Site.URL)
	}
	if t.Kind == Email {
		return d.mail(ctx, t, ev)
	}
	dl, err := t.Alert(ev, d.opt.Now())
	if err != nil {
		return channel.Attempt{Outcome: channel.Permanent, Err: err}
	}
	return channel.Send(ctx, d.opt.Client, dl, d.opt.Now)
}
