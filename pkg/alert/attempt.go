package alert

import (
	"context"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/backoff"
	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/store"
)

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
	case "delivered":
		if t.Kind == channel.PagerDuty && len(group) == 1 && group[0].Kind == store.AlertTest {
			// PagerDuty opened an incident for the test: close it, by the
			// same dedup_key, so that nobody is left paged for nothing.
			r := group[0]
			r.Kind, r.EventID = store.AlertResolve, r.EventID+"_resolve"
			d.sendNow(keep, t, r)
		}
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
	now := d.opt.Now()
	for i, a := range group {
		evs[i] = d.event(a)
		if late := lateBy(a, now); a.Kind != store.AlertTest && late > d.opt.LateAfter {
			evs[i].Cause = strings.TrimSpace(evs[i].Cause + " [sent late: this happened at " +
				a.At.UTC().Format("2006-01-02 15:04 UTC") + ", " + late.Round(time.Minute).String() + " before Ampel could send it]")
		}
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

// lateBy is how long after its time an alert goes out: after the time it
// was due on its first attempt, or after its first attempt when it has
// been tried (a dispatcher that was down, a receiver that was). A
// reminder (a repeat) is never late.
func lateBy(a store.Alert, now time.Time) time.Duration {
	if a.Seq > 0 {
		return 0
	}
	ref := a.Due
	if !a.FirstTry.IsZero() {
		ref = a.FirstTry
	}
	return now.Sub(ref)
}
