package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/wneessen/go-mail"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/pkg/backoff"
	"github.com/ampelstatus/ampel/pkg/mailer"
	"github.com/ampelstatus/ampel/store"
)

// prepared is a row ready to send.
type prepared struct {
	row store.OutboxMail
	msg *mail.Msg
}

// batch sends rows: it drops those no longer wanted, mints the tokens of
// the rest in one transaction, then sends one by one, recording each
// outcome before the next.
func (d *Dispatcher) batch(ctx context.Context, rows []store.OutboxMail) (int, error) {
	ready, tokens, err := d.prepare(ctx, rows)
	if err != nil {
		return 0, err
	}
	if err := d.st.AddSubscriberTokens(ctx, tokens, d.opt.Now()); err != nil {
		return 0, err
	}
	sent := 0
	for _, p := range ready {
		if ctx.Err() != nil || d.paused() {
			break
		}
		ok, err := d.sendOne(ctx, p)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// prepare composes the rows still wanted and fails the others.
func (d *Dispatcher) prepare(ctx context.Context, rows []store.OutboxMail) ([]prepared, []store.SubscriberToken, error) {
	now := d.opt.Now()
	topics := map[string]topic{}
	var ready []prepared
	var tokens []store.SubscriberToken
	for _, row := range rows {
		reason := ""
		switch {
		case !row.Active:
			reason = "the subscriber no longer gets this mail (unsubscribed, bounced, confirmed or expired)"
		case now.Sub(row.Created) > d.opt.RetryFor:
			reason = fmt.Sprintf("given up after %s of temporary failures", d.opt.RetryFor)
			d.opt.Refusals.add(now, true)
		}
		if reason != "" {
			if err := d.st.FailMail(ctx, row.ID, reason, false, now); err != nil {
				return nil, nil, err
			}
			continue
		}
		tp, err := d.topic(ctx, topics, row)
		if err != nil {
			return nil, nil, err
		}
		l, toks := d.links(row)
		msg, err := d.c.compose(row, tp, l, now)
		if err != nil {
			// A row that cannot be composed never will be: record why.
			d.opt.Logger.Error("mail_compose_failed", "outbox_id", row.ID, "event", row.EventKey, "err", err)
			if err := d.st.FailMail(ctx, row.ID, err.Error(), false, now); err != nil {
				return nil, nil, err
			}
			continue
		}
		ready = append(ready, prepared{row, msg})
		tokens = append(tokens, toks...)
	}
	return ready, tokens, nil
}

// topic loads what a row is about, once per batch.
func (d *Dispatcher) topic(ctx context.Context, cache map[string]topic, row store.OutboxMail) (topic, error) {
	key := fmt.Sprint(row.ObjectType, row.ObjectID)
	if tp, ok := cache[key]; ok {
		return tp, nil
	}
	var tp topic
	switch row.ObjectType {
	case "incident":
		inc, err := d.st.Incident(ctx, row.ObjectID)
		if err != nil && !errors.Is(err, store.ErrNoIncident) {
			return topic{}, err
		}
		if err == nil {
			tp.incident = &inc
		}
	case "maintenance":
		m, err := d.st.Maintenance(ctx, row.ObjectID)
		if err != nil && !errors.Is(err, store.ErrNoMaintenance) {
			return topic{}, err
		}
		if err == nil {
			tp.maintenance = &m
		}
	}
	cache[key] = tp
	return tp, nil
}

// links mints the tokens of one mail: a manage token for every mail, a
// confirm token for a confirmation, valid as long as the opt-in.
func (d *Dispatcher) links(row store.OutboxMail) (links, []store.SubscriberToken) {
	base := d.opt.Site.URL
	manage := auth.NewSecret("")
	toks := []store.SubscriberToken{{SubscriberID: row.SubscriberID, Purpose: store.PurposeManage, Secret: manage,
		Expires: d.opt.Now().Add(ManageTokenTTL)}}
	l := links{manage: base + "/subscribe/manage/" + manage, unsubscribe: base + "/unsubscribe/" + manage}
	if row.Kind == store.MailConfirm {
		confirm := auth.NewSecret("")
		toks = append(toks, store.SubscriberToken{SubscriberID: row.SubscriberID, Purpose: store.PurposeConfirm,
			Secret: confirm, Expires: row.Expires})
		l.confirm = base + "/subscribe/confirm/" + confirm
	}
	return l, toks
}

// sendOne sends a row and records the outcome; the send and the record
// outlive ctx, so a stop finishes the message in flight.
func (d *Dispatcher) sendOne(ctx context.Context, p prepared) (bool, error) {
	keep := context.WithoutCancel(ctx)
	err := d.send.Send(keep, p.msg)
	now := d.opt.Now()
	if err == nil {
		d.pauses = 0
		d.opt.Refusals.add(now, false)
		return true, d.st.MarkMailSent(keep, p.row.ID, now)
	}
	log := d.opt.Logger.With("outbox_id", p.row.ID, "event", p.row.EventKey, "err", err)
	switch mailer.Classify(err) {
	case mailer.Bounce:
		log.Warn("mail_bounced", "subscriber_id", p.row.SubscriberID)
		d.opt.Refusals.add(now, true)
		return false, d.st.FailMail(keep, p.row.ID, err.Error(), true, now)
	case mailer.Permanent:
		log.Warn("mail_refused")
		d.opt.Refusals.add(now, true)
		return false, d.st.FailMail(keep, p.row.ID, err.Error(), false, now)
	case mailer.Temporary:
		wait := backoff.Exp(d.opt.RetryBase, d.opt.RetryMax, p.row.Attempts)
		log.Info("mail_deferred", "retry_in", wait)
		return false, d.st.RetryMail(keep, p.row.ID, now.Add(wait), err.Error())
	}
	// Unreachable: the row is fine; sending waits for the server.
	wait := backoff.Exp(d.opt.PauseBase, d.opt.PauseMax, d.pauses)
	d.pauses++
	d.pausedUntil = now.Add(wait)
	log.Warn("smtp_unreachable", slog.Duration("retry_in", wait))
	return false, d.st.NoteMailError(keep, p.row.ID, err.Error())
}
