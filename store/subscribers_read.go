package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// subscriberColumns is what scanSubscriber reads, in its order.
const subscriberColumns = `s.id, s.email, s.lang, s.all_components, s.created_at_ms, s.expires_at_ms,
       s.confirmed_at_ms, s.unsubscribed_at_ms, s.bounced_at_ms, s.bounce_reason,
       (SELECT string_agg(component, '
' ORDER BY component) FROM subscriber_components WHERE subscriber_id = s.id)`

type scanner interface{ Scan(dest ...any) error }

func scanSubscriber(row scanner) (Subscriber, error) {
	var sub Subscriber
	var expires, confirmed, unsubscribed, bounced sql.NullInt64
	var created int64
	var comps sql.NullString
	err := row.Scan(&sub.ID, &sub.Email, &sub.Lang, &sub.All, &created, &expires,
		&confirmed, &unsubscribed, &bounced, &sub.BounceReason, &comps)
	if err != nil {
		return Subscriber{}, err
	}
	sub.Created = fromMS(created)
	sub.Expires, sub.Confirmed = fromNullMS(expires), fromNullMS(confirmed)
	sub.Unsubscribed, sub.Bounced = fromNullMS(unsubscribed), fromNullMS(bounced)
	sub.Components = []string{}
	if comps.String != "" {
		sub.Components = strings.Split(comps.String, "\n")
	}
	sub.State = stateOf(sub)
	return sub, nil
}

// stateOf names a subscriber's state; a bounce outranks everything, as
// nothing more is sent to a bounced address.
func stateOf(s Subscriber) string {
	switch {
	case !s.Bounced.IsZero():
		return SubscriberBounced
	case !s.Unsubscribed.IsZero():
		return SubscriberUnsubscribed
	case !s.Confirmed.IsZero():
		return SubscriberConfirmed
	}
	return SubscriberPending
}

func subscriberByEmail(ctx context.Context, db reader, email string) (Subscriber, error) {
	q := `SELECT ` + subscriberColumns + ` FROM subscribers s WHERE s.email = ?1`
	return oneSubscriber(db.QueryRowContext(ctx, q, email), "by email")
}

func oneSubscriber(row *sql.Row, what string) (Subscriber, error) {
	sub, err := scanSubscriber(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, ErrNoSubscriber
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("store: subscriber %s: %w", what, err)
	}
	return sub, nil
}

// Subscriber returns a subscriber by id, or ErrNoSubscriber.
func (s *Store) Subscriber(ctx context.Context, id int64) (Subscriber, error) {
	return subscriberByID(ctx, s.rdb, id)
}

func subscriberByID(ctx context.Context, db reader, id int64) (Subscriber, error) {
	q := `SELECT ` + subscriberColumns + ` FROM subscribers s WHERE s.id = ?1`
	return oneSubscriber(db.QueryRowContext(ctx, q, id), "by id")
}

// SubscriberByToken returns the subscriber a link's token belongs to, if
// the token has the purpose and has not expired; else ErrNoSubscriber.
// Only the token's SHA-256 is stored, so the secret is hashed to look it
// up.
func (s *Store) SubscriberByToken(ctx context.Context, purpose, secret string, now time.Time) (Subscriber, error) {
	return subscriberByToken(ctx, s.rdb, purpose, secret, now)
}

func subscriberByToken(ctx context.Context, db reader, purpose, secret string, now time.Time) (Subscriber, error) {
	q := `SELECT ` + subscriberColumns + `
FROM subscriber_tokens t JOIN subscribers s ON s.id = t.subscriber_id
WHERE t.hash = ?1 AND t.purpose = ?2 AND (t.expires_at_ms IS NULL OR t.expires_at_ms > ?3)`
	return oneSubscriber(db.QueryRowContext(ctx, q, HashToken(secret), purpose, ms(now)), "by token")
}
