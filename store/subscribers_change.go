package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// byToken runs change in a write transaction on the subscriber a token
// of purpose belongs to, and returns the subscriber as it is afterwards.
func (s *Store) byToken(ctx context.Context, what, purpose, secret string, now time.Time,
	change func(*sql.Tx, Subscriber) error) (Subscriber, error) {
	var id int64
	err := s.writeTx(ctx, what, func(tx *sql.Tx) error {
		sub, err := subscriberByToken(ctx, tx, purpose, secret, now)
		if err != nil {
			return err
		}
		id = sub.ID
		return change(tx, sub)
	})
	if err != nil {
		return Subscriber{}, err
	}
	return s.Subscriber(ctx, id)
}

// ConfirmSubscriber confirms the pending subscription a confirmation
// token belongs to. Confirming again is a no-op; an expired opt-in, an
// unsubscribed or bounced address gives ErrNoSubscriber (the link is
// stale: subscribing again sends a fresh one).
func (s *Store) ConfirmSubscriber(ctx context.Context, secret string, now time.Time) (Subscriber, error) {
	return s.byToken(ctx, "confirm subscriber", PurposeConfirm, secret, now, func(tx *sql.Tx, sub Subscriber) error {
		switch {
		case sub.State == SubscriberConfirmed:
			return nil
		case sub.State != SubscriberPending || !sub.Expires.After(now):
			return ErrNoSubscriber
		}
		const q = `UPDATE subscribers SET confirmed_at_ms = ?2, expires_at_ms = NULL WHERE id = ?1`
		if _, err := tx.ExecContext(ctx, q, sub.ID, ms(now)); err != nil {
			return fmt.Errorf("store: confirm subscriber: %w", err)
		}
		return nil
	})
}

// SetSubscriberComponents replaces the components of the subscriber a
// manage token belongs to; none means all.
func (s *Store) SetSubscriberComponents(ctx context.Context, secret string, comps []string, now time.Time) (Subscriber, error) {
	return s.byToken(ctx, "set subscriber components", PurposeManage, secret, now, func(tx *sql.Tx, sub Subscriber) error {
		const q = `UPDATE subscribers SET all_components = ?2 WHERE id = ?1`
		if _, err := tx.ExecContext(ctx, q, sub.ID, len(comps) == 0); err != nil {
			return fmt.Errorf("store: set subscriber components: %w", err)
		}
		return subscriberComponents.write(ctx, tx, sub.ID, comps)
	})
}

// Unsubscribe ends the subscription a manage token belongs to and gives
// up its mails not yet sent. The row stays (a later subscribe starts a fresh
// opt-in); unsubscribing again is a no-op.
func (s *Store) Unsubscribe(ctx context.Context, secret string, now time.Time) (Subscriber, error) {
	return s.byToken(ctx, "unsubscribe", PurposeManage, secret, now, func(tx *sql.Tx, sub Subscriber) error {
		if sub.State == SubscriberUnsubscribed {
			return nil
		}
		const q = `UPDATE subscribers SET unsubscribed_at_ms = ?2 WHERE id = ?1`
		if _, err := tx.ExecContext(ctx, q, sub.ID, ms(now)); err != nil {
			return fmt.Errorf("store: unsubscribe: %w", err)
		}
		// Marked failed, not deleted: the rows still count against the
		// address's limit on confirmation mails.
		const drop = `
UPDATE outbox SET failed_at_ms = ?2, last_error = 'unsubscribed'
WHERE subscriber_id = ?1 AND sent_at_ms IS NULL AND failed_at_ms IS NULL`
		if _, err := tx.ExecContext(ctx, drop, sub.ID, ms(now)); err != nil {
			return fmt.Errorf("store: unsubscribe: drop queued mails: %w", err)
		}
		return nil
	})
}

// Resubscribe undoes an unsubscribe from the manage page. The manage
// token came by mail to the address, which proves it as a confirmation
// link would, so the subscription is confirmed at once.
func (s *Store) Resubscribe(ctx context.Context, secret string, now time.Time) (Subscriber, error) {
	return s.byToken(ctx, "resubscribe", PurposeManage, secret, now, func(tx *sql.Tx, sub Subscriber) error {
		if sub.State != SubscriberUnsubscribed {
			return nil
		}
		const q = `
UPDATE subscribers SET unsubscribed_at_ms = NULL, expires_at_ms = NULL,
       confirmed_at_ms = coalesce(confirmed_at_ms, ?2)
WHERE id = ?1`
		if _, err := tx.ExecContext(ctx, q, sub.ID, ms(now)); err != nil {
			return fmt.Errorf("store: resubscribe: %w", err)
		}
		return nil
	})
}

// DeleteSubscriber removes a subscriber with its components, tokens and
// mails (a data-protection request) and logs "subscriber.delete". The
// audit entry keeps the id and state but not the address, which is what
// was asked to be forgotten.
func (s *Store) DeleteSubscriber(ctx context.Context, id int64, actor Actor, now time.Time) error {
	return s.writeTx(ctx, "delete subscriber", func(tx *sql.Tx) error {
		sub, err := subscriberByID(ctx, tx, id)
		if err != nil {
			return err
		}
		// The schema cascades; the explicit deletes keep working should
		// a connection ever run without foreign keys.
		for _, q := range []string{
			`DELETE FROM outbox WHERE subscriber_id = ?1`,
			`DELETE FROM subscriber_tokens WHERE subscriber_id = ?1`,
			`DELETE FROM subscriber_components WHERE subscriber_id = ?1`,
			`DELETE FROM subscribers WHERE id = ?1`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("store: delete subscriber: %w", err)
			}
		}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "subscriber.delete",
			ObjectType: "subscriber", ObjectID: id,
			Before: mustJSON(map[string]any{"id": id, "state": sub.State, "created_at": sub.Created})})
	})
}

// ExpireSubscribers deletes pending subscribers whose opt-in ran out,
// and returns how many. A row that got a confirmation mail within the
// last 24 hours is kept until that mail leaves the window, so expiring
// cannot reset the per-address limit early.
func (s *Store) ExpireSubscribers(ctx context.Context, now time.Time) (int64, error) {
	const q = `
DELETE FROM subscribers
WHERE confirmed_at_ms IS NULL AND unsubscribed_at_ms IS NULL AND bounced_at_ms IS NULL
  AND expires_at_ms < ?1
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.subscriber_id = subscribers.id
                  AND o.kind = ?2 AND o.created_at_ms > ?3)`
	res, err := s.wdb.ExecContext(ctx, q, ms(now), MailConfirm, ms(now.Add(-confirmWindow)))
	if err != nil {
		return 0, fmt.Errorf("store: expire subscribers: %w", err)
	}
	return res.RowsAffected()
}

// PruneSubscriberTokens deletes confirm and manage tokens past their
// expiry. Every mail mints a manage token, so without this the table
// grows by one row per mail sent.
func (s *Store) PruneSubscriberTokens(ctx context.Context, now time.Time) (int64, error) {
	const q = `DELETE FROM subscriber_tokens WHERE expires_at_ms IS NOT NULL AND expires_at_ms < ?1`
	res, err := s.wdb.ExecContext(ctx, q, ms(now))
	if err != nil {
		return 0, fmt.Errorf("store: prune subscriber tokens: %w", err)
	}
	return res.RowsAffected()
}
