package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/wneessen/go-mail"

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
	// LateAfter is how late an alert may go out before it says so (in
	// its cause: when it happened, how late it is), so that a change
	// queued long ago (the dispatcher down for hours, a receiver that was)
	// is not taken for news (default 10m). A change that ended meanwhile
	// is not sent at all: the store cancels a trigger not yet tried when
	// its end comes, and queues no resolve for it.
	LateAfter time.Duration
	// Parallel is how many channels are sent to at once (default 8): a
	// receiver that hangs holds up its own channel, not the others.
	Parallel int
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
	def(&o.LateAfter, 10*time.Minute)
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
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

// Dispatcher sends the alert outbox, each channel in a goroutine of its
// own (at most Options.Parallel at once). Run or RunOnce owns it; they are
// not to be called concurrently.
type Dispatcher struct {
	st  *store.Store
	opt Options
	// sem bounds the channels sent to at once; done wakes Run when a
	// channel's send ends; wg counts the sends in flight.
	sem  chan struct{}
	done chan struct{}
	wg   sync.WaitGroup

	mu sync.Mutex
	// lastSent is when each channel was last sent to, for the group
	// window. Guarded by mu.
	lastSent map[string]time.Time
	// held is the earliest end of a group window that holds due alerts
	// back; zero when none does. Guarded by mu.
	held time.Time
	// busy are the channels being sent to: a pass leaves their alerts
	// for when the send ends. Guarded by mu.
	busy map[string]bool
	// err is the first error of a channel's send since RunOnce last
	// reported one. Guarded by mu.
	err error
	// install is the store's install id, for Message-IDs; "" until the
	// first alert mail. Guarded by mu.
	install string
}

// New makes a dispatcher of st's alert outbox.
func New(st *store.Store, opt Options) *Dispatcher {
	opt.defaults()
	return &Dispatcher{st: st, opt: opt, lastSent: map[string]time.Time{}, busy: map[string]bool{},
		sem: make(chan struct{}, opt.Parallel), done: make(chan struct{}, 1)}
}

// Run sends the outbox until ctx ends: at every wake-up from the store,
// when a channel's send ends, when the next alert or group window is due,
// and every Poll anyway. The attempts in flight when ctx ends are
// finished and recorded before it returns.
func (d *Dispatcher) Run(ctx context.Context) {
	defer d.wg.Wait()
	wake := d.st.AlertWake()
	for {
		err := d.pass(ctx)
		if err != nil && ctx.Err() == nil {
			d.opt.Logger.Error("alert_pass_failed", "err", err)
		}
		wait := d.opt.Poll
		now := d.opt.Now()
		d.mu.Lock()
		held, busy := d.held, slices.Collect(maps.Keys(d.busy))
		d.mu.Unlock()
		if next, nerr := d.st.NextAlertAt(ctx, busy...); err == nil && nerr == nil && !next.IsZero() {
			// After a pass, what is already due is held by a group
			// window: the window's end is the time to look again.
			if w := next.Sub(now); w > 0 || held.IsZero() {
				wait = min(wait, max(w, 0))
			}
		}
		if !held.IsZero() {
			wait = min(wait, max(held.Sub(now), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-wake:
			t.Stop()
		case <-d.done:
			t.Stop()
		}
	}
}

// RunOnce sends every alert that is due and not held by its channel's
// group window, and waits until every send has ended.
func (d *Dispatcher) RunOnce(ctx context.Context) error {
	err := d.pass(ctx)
	d.wg.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	err = errors.Join(err, d.err)
	d.err = nil
	return err
}

// pass starts a send for each channel with due alerts that is not being
// sent to already and not held by its group window; it does not wait for
// them.
func (d *Dispatcher) pass(ctx context.Context) error {
	now := d.opt.Now()
	d.mu.Lock()
	d.held = time.Time{}
	busy := slices.Collect(maps.Keys(d.busy))
	d.mu.Unlock()
	due, err := d.st.DueAlerts(ctx, now, d.opt.Batch, busy...)
	if err != nil || len(due) == 0 {
		return err
	}
	quiet, err := d.quietComponents(ctx, now)
	if err != nil {
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
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, name := range order {
		if d.busy[name] {
			continue
		}
		if end := d.lastSent[name].Add(d.opt.GroupWindow); d.opt.GroupWindow > 0 && now.Before(end) {
			if d.held.IsZero() || end.Before(d.held) {
				d.held = end
			}
			continue
		}
		d.busy[name] = true
		d.wg.Add(1)
		go d.run(ctx, name, byChannel[name], quiet)
	}
	return nil
}

// run sends one channel's alerts in its own goroutine, within the bound.
func (d *Dispatcher) run(ctx context.Context, name string, alerts []store.Alert, quiet map[string]string) {
	defer d.wg.Done()
	d.sem <- struct{}{}
	err := d.channel(ctx, name, alerts, quiet)
	<-d.sem
	d.mu.Lock()
	delete(d.busy, name)
	if err != nil && d.err == nil {
		d.err = err
	}
	d.mu.Unlock()
	if err != nil && ctx.Err() == nil {
		d.opt.Logger.Error("alert_channel_failed", "channel", name, "err", err)
	}
	select {
	case d.done <- struct{}{}:
	default:
	}
}

// channel sends one channel's due alerts: alerts of a test alone, webhook
// and pagerduty alerts one by one (their receivers correlate by
// component), the rest as one message. quiet maps the components whose
// new alerts are dropped (silenced, in maintenance) to why.
func (d *Dispatcher) channel(ctx context.Context, name string, alerts []store.Alert, quiet map[string]string) error {
	now := d.opt.Now()
	t := d.opt.Targets[name]
	if t == nil {
		return d.finish(ctx, name, alerts, nil, "failed", time.Time{}, fmt.Sprintf("channel %q is no longer configured", name))
	}
	var live []store.Alert
	for _, a := range alerts {
		if why := quiet[d.event(a).Component]; why != "" && a.Kind == store.AlertTrigger {
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
	d.mu.Lock()
	d.lastSent[name] = now
	d.mu.Unlock()
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
