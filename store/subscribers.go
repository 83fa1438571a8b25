package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Subscriber states, derived from the row's timestamps.
const (
	SubscriberPending      = "pending"
	SubscriberConfirmed    = "confirmed"
	SubscriberUnsubscribed = "unsubscribed"
	SubscriberBounced      = "bounced"
)

// Token purposes of subscriber_tokens.
const (
	PurposeConfirm = "confirm"
	PurposeManage  = "manage"
)

// Outbox kinds of the mails Subscribe queues (the other kinds are the
// events of outbox_enqueue.go): a confirmation for a new, pending or
// unsubscribed address, and for a confirmed one, which asked again
// (having lost its links, most likely), a mail with its manage link.
const (
	MailConfirm = "confirm"
	MailManage  = "manage"
)

// confirmWindow is the span over which the mails Subscribe queues for one
// address are counted against the per-address limit.
const confirmWindow = 24 * time.Hour

// Subscriber is an email subscriber. All means every component;
// otherwise Components lists those chosen.
type Subscriber struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Lang         string    `json:"lang"`
	State        string    `json:"state"`
	All          bool      `json:"all_components"`
	Components   []string  `json:"components"`
	Created      time.Time `json:"created_at"`
	Expires      time.Time `json:"expires_at,omitzero"`
	Confirmed    time.Time `json:"confirmed_at,omitzero"`
	Unsubscribed time.Time `json:"unsubscribed_at,omitzero"`
	Bounced      time.Time `json:"bounced_at,omitzero"`
	BounceReason string    `json:"bounce_reason,omitempty"`
}

// ErrNoSubscriber is returned when no subscriber matches, or a token is
// unknown, expired or no longer fits the subscriber's state.
var ErrNoSubscriber = errors.New("no such subscriber")

// SubscribeRequest is a form submission: who, in which language, for
// which components (none means all), how long the opt-in stays open and
// how many confirmation mails one address may get per 24 hours.
type SubscribeRequest struct {
	Email         string
	Lang          string
	Components    []string
	ConfirmWithin time.Duration
	MaxConfirms   int
}

// SubscribeOutcome says what Subscribe did; the page shows the same
// answer whatever it is, so strangers learn nothing about an address.
type SubscribeOutcome int

// Outcomes of Subscribe.
const (
	// Enqueued: the subscriber is pending and a confirmation mail queued.
	Enqueued SubscribeOutcome = iota
	// Limited: the address had its confirmation mails for 24 hours.
	Limited
	// Unchanged: bounced; nothing sent.
	Unchanged
	// Reminded: already confirmed; a mail with the manage link queued,
	// the subscription itself unchanged.
	Reminded
)

// Subscribe creates or refreshes a pending subscriber and queues its
// confirmation mail (outbox kind "confirm", due now) in one transaction.
// A new, pending or unsubscribed address starts a fresh opt-in with the
// request's language and components. A confirmed one is left as it is and
// gets its manage link instead (kind "manage"), so someone who lost the
// links can still change or end the subscription; a bounced one is left
// alone. Over MaxConfirms of these mails in the last 24 hours (counted
// from the outbox, so across restarts and client addresses) nothing
// changes.
func (s *Store) Subscribe(ctx context.Context, req SubscribeRequest, now time.Time) (SubscribeOutcome, error) {
	out := Unchanged
	err := s.mailTx(ctx, "subscribe", func(tx *sql.Tx, mailed *bool) error {
		cur, err := subscriberByEmail(ctx, tx, req.Email)
		switch {
		case errors.Is(err, ErrNoSubscriber):
		case err != nil:
			return err
		case cur.State == SubscriberBounced:
			return nil
		}
		if cur.ID != 0 {
			n, err := recentConfirms(ctx, tx, cur.ID, now)
			if err != nil {
				return err
			}
			if n >= req.MaxConfirms {
				out = Limited
				return nil
			}
		}
		if cur.State == SubscriberConfirmed {
			out, *mailed = Reminded, true
			return enqueueSubscriberMail(ctx, tx, MailManage, cur.ID, now)
		}
		id, err := upsertPending(ctx, tx, req, now)
		if err != nil {
			return err
		}
		if err := subscriberComponents.write(ctx, tx, id, req.Components); err != nil {
			return err
		}
		out, *mailed = Enqueued, true
		return enqueueSubscriberMail(ctx, tx, MailConfirm, id, now)
	})
	return out, err
}

// upsertPending makes the address a pending subscriber again, whatever it
// was, and returns its id.
func upsertPending(ctx context.Context, tx *sql.Tx, req SubscribeRequest, now time.Time) (int64, error) {
	const q = `
INSERT INTO subscribers (email, lang, all_components, created_at_ms, expires_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (email) DO UPDATE SET lang = excluded.lang, all_components = excluded.all_components,
       expires_at_ms = excluded.expires_at_ms, confirmed_at_ms = NULL, unsubscribed_at_ms = NULL
RETURNING id`
	var id int64
	err := tx.QueryRowContext(ctx, q, req.Email, req.Lang, len(req.Components) == 0,
		ms(now), ms(now.Add(req.ConfirmWithin))).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: subscribe: %w", err)
	}
	return id, nil
}

// recentConfirms counts the mails Subscribe queued for a subscriber in
// the last 24 hours, confirmations and manage links alike.
func recentConfirms(ctx context.Context, tx *sql.Tx, id int64, now time.Time) (int, error) {
	const q = `SELECT count(*) FROM outbox WHERE subscriber_id = ?1 AND kind IN (?2, ?3) AND created_at_ms > ?4`
	var n int
	if err := tx.QueryRowContext(ctx, q, id, MailConfirm, MailManage, ms(now.Add(-confirmWindow))).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count confirmation mails: %w", err)
	}
	return n, nil
}

// enqueueSubscriberMail queues a mail of kind (MailConfirm or MailManage)
// to subscriber id. The key's last part is the time in milliseconds:
// unique per request, and a double submit within the same millisecond is
// one mail.
func enqueueSubscriberMail(ctx context.Context, tx *sql.Tx, kind string, id int64, now time.Time) error {
	const q = `
INSERT INTO outbox (event_key, subscriber_id, kind, object_type, object_id, created_at_ms, next_attempt_at_ms)
VALUES (?1, ?2, ?3, 'subscriber', ?2, ?4, ?4)
ON CONFLICT (event_key, subscriber_id) DO NOTHING`
	key := kind + ":" + strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(ms(now), 10)
	if _, err := tx.ExecContext(ctx, q, key, id, kind, ms(now)); err != nil {
		return fmt.Errorf("store: queue %s mail: %w", kind, err)
	}
	return nil
}

// The tables that hold each kind of subscription's chosen components, and
// the column naming the subscription.
var (
	subscriberComponents = componentList{"subscriber_components", "subscriber_id", "subscriber"}
	hookComponents       = componentList{"hook_subscriber_components", "hook_id", "hook"}
)

// componentList is a table of (subscription, component) rows.
type componentList struct{ table, key, what string }

// write replaces subscription id's chosen components.
func (l componentList) write(ctx context.Context, tx *sql.Tx, id int64, comps []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+l.table+` WHERE `+l.key+` = ?1`, id); err != nil {
		return fmt.Errorf("store: %s components: %w", l.what, err)
	}
	q := `INSERT INTO ` + l.table + ` (` + l.key + `, component) VALUES (?1, ?2) ON CONFLICT DO NOTHING`
	for _, c := range comps {
		if _, err := tx.ExecContext(ctx, q, id, c); err != nil {
			return fmt.Errorf("store: %s components: %w", l.what, err)
		}
	}
	return nil
}
