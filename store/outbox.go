package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// OutboxMail is one outbox row that is due, with its recipient.
type OutboxMail struct {
	ID         int64
	EventKey   string
	Kind       string
	ObjectType string
	ObjectID   int64
	UpdateID   int64
	Attempts   int
	Created    time.Time

	SubscriberID int64
	Email, Lang  string
	// Expires is when a pending subscriber's opt-in runs out: the
	// validity of a confirmation link. Zero once confirmed.
	Expires time.Time
	// Active is false when the recipient may no longer get this mail:
	// unsubscribed or bounced since it was enqueued, or, for a
	// confirmation, already confirmed or expired.
	Active bool
}

// DueMail returns up to limit unsent, unfailed rows whose next attempt
// has come, oldest first. Only the dispatcher sends, so reading is
// claiming: a row stays due until MarkMailSent, RetryMail or FailMail.
func (s *Store) DueMail(ctx context.Context, now time.Time, limit int) ([]OutboxMail, error) {
	const q = `
SELECT o.id, o.event_key, o.kind, o.object_type, o.object_id, o.update_id, o.attempts, o.created_at_ms,
       s.id, s.email, s.lang, s.expires_at_ms,
       s.unsubscribed_at_ms IS NULL AND s.bounced_at_ms IS NULL AND CASE o.kind
         WHEN 'confirm' THEN s.confirmed_at_ms IS NULL AND (s.expires_at_ms IS NULL OR s.expires_at_ms > ?1)
         ELSE s.confirmed_at_ms IS NOT NULL END
FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id
WHERE o.sent_at_ms IS NULL AND o.failed_at_ms IS NULL AND o.next_attempt_at_ms <= ?1
ORDER BY o.next_attempt_at_ms, o.id LIMIT ?2`
	rows, err := s.rdb.QueryContext(ctx, q, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due mail: %w", err)
	}
	defer rows.Close()
	var out []OutboxMail
	for rows.Next() {
		var m OutboxMail
		var created int64
		var expires sql.NullInt64
		if err := rows.Scan(&m.ID, &m.EventKey, &m.Kind, &m.ObjectType, &m.ObjectID, &m.UpdateID, &m.Attempts, &created,
			&m.SubscriberID, &m.Email, &m.Lang, &expires, &m.Active); err != nil {
			return nil, fmt.Errorf("store: due mail: %w", err)
		}
		m.Created, m.Expires = fromMS(created), fromNullMS(expires)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: due mail: %w", err)
	}
	return out, nil
}

// NextMailAt returns when the earliest pending row is due, or the zero
// time when none is pending.
func (s *Store) NextMailAt(ctx context.Context) (time.Time, error) {
	return s.nextDue(ctx, "outbox", "mail")
}

// nextDue is when the earliest row of an outbox table (outbox,
// hook_outbox) still to be sent is due, or the zero time.
func (s *Store) nextDue(ctx context.Context, table, what string) (time.Time, error) {
	var next sql.NullInt64
	if err := s.rdb.QueryRowContext(ctx, `SELECT MIN(next_attempt_at_ms) FROM `+table+` WHERE `+undone).Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("store: next %s: %w", what, err)
	}
	return fromNullMS(next), nil
}

// pendingRows counts the rows of an outbox table still to be sent (a
// scan of its partial index of due rows only).
func (s *Store) pendingRows(ctx context.Context, table, what string) (int64, error) {
	var n int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE `+undone).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count pending %s: %w", what, err)
	}
	return n, nil
}

// undone is the condition of an outbox row neither sent nor given up.
const undone = `sent_at_ms IS NULL AND failed_at_ms IS NULL`

// MarkMailSent records that the server accepted row id. It commits before
// it returns, so a crash after it never sends the row again.
func (s *Store) MarkMailSent(ctx context.Context, id int64, now time.Time) error {
	const q = `UPDATE outbox SET sent_at_ms = ?2, attempts = attempts + 1, last_error = '' WHERE id = ?1`
	if _, err := s.wdb.ExecContext(ctx, q, id, ms(now)); err != nil {
		return fmt.Errorf("store: mark mail %d sent: %w", id, err)
	}
	return nil
}

// RetryMail records a temporary failure of row id and when to try again.
func (s *Store) RetryMail(ctx context.Context, id int64, next time.Time, reason string) error {
	const q = `UPDATE outbox SET attempts = attempts + 1, next_attempt_at_ms = ?2, last_error = ?3 WHERE id = ?1`
	if _, err := s.wdb.ExecContext(ctx, q, id, ms(next), reason); err != nil {
		return fmt.Errorf("store: retry mail %d: %w", id, err)
	}
	return nil
}

// FailMail gives up on row id. With bounce set, the reason is a permanent
// refusal of the address: the subscriber is marked bounced and gets
// nothing more.
func (s *Store) FailMail(ctx context.Context, id int64, reason string, bounce bool, now time.Time) error {
	return s.writeTx(ctx, "fail mail", func(tx *sql.Tx) error {
		const q = `UPDATE outbox SET failed_at_ms = ?2, attempts = attempts + 1, last_error = ?3 WHERE id = ?1
RETURNING subscriber_id`
		var sub int64
		if err := tx.QueryRowContext(ctx, q, id, ms(now), reason).Scan(&sub); err != nil {
			return fmt.Errorf("store: fail mail %d: %w", id, err)
		}
		if !bounce {
			return nil
		}
		const qb = `UPDATE subscribers SET bounced_at_ms = ?2, bounce_reason = ?3 WHERE id = ?1 AND bounced_at_ms IS NULL`
		if _, err := tx.ExecContext(ctx, qb, sub, ms(now), reason); err != nil {
			return fmt.Errorf("store: bounce subscriber %d: %w", sub, err)
		}
		return nil
	})
}

// SubscriberToken is a confirm or manage token to store for a mail; only
// the SHA-256 of Secret is kept.
type SubscriberToken struct {
	SubscriberID int64
	Purpose      string // "confirm" or "manage"
	Secret       string
	Expires      time.Time
}

// AddSubscriberTokens stores the hashes of tokens in one transaction.
func (s *Store) AddSubscriberTokens(ctx context.Context, tokens []SubscriberToken, now time.Time) error {
	return s.writeTx(ctx, "add subscriber tokens", func(tx *sql.Tx) error {
		const q = `
INSERT INTO subscriber_tokens (hash, subscriber_id, purpose, created_at_ms, expires_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5)`
		st, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: add subscriber tokens: %w", err)
		}
		defer st.Close()
		for _, t := range tokens {
			if _, err := st.ExecContext(ctx, HashToken(t.Secret), t.SubscriberID, t.Purpose, ms(now), nullMS(t.Expires)); err != nil {
				return fmt.Errorf("store: add subscriber token: %w", err)
			}
		}
		return nil
	})
}

// outboxSignal wakes the dispatcher after rows were enqueued; its zero
// value is ready.
type outboxSignal struct {
	once sync.Once
	ch   chan struct{}
}

func (o *outboxSignal) c() chan struct{} {
	o.once.Do(func() { o.ch = make(chan struct{}, 1) })
	return o.ch
}

// OutboxWake receives a value after a transaction enqueued mail. It is
// only a hint: the dispatcher polls too.
func (s *Store) OutboxWake() <-chan struct{} { return s.outbox.c() }

// mailTx is writeTx for a change that may enqueue mail: fn sets *mailed
// when it did, and OutboxWake is signalled once the transaction commits,
// not before, so the dispatcher finds the rows.
func (s *Store) mailTx(ctx context.Context, what string, fn func(tx *sql.Tx, mailed *bool) error) error {
	var mailed bool
	err := s.writeTx(ctx, what, func(tx *sql.Tx) error { return fn(tx, &mailed) })
	if err == nil && mailed {
		s.pokeOutbox()
	}
	return err
}

// overlayTx is mailTx for a change of an incident or a maintenance
// window: it also tells every node of a cluster to reload its overlay and
// pages once the transaction commits.
func (s *Store) overlayTx(ctx context.Context, what string, fn func(tx *sql.Tx, mailed *bool) error) error {
	return s.mailTx(ctx, what, func(tx *sql.Tx, mailed *bool) error {
		if err := fn(tx, mailed); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, ChannelOverlay); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		return nil
	})
}

// pokeOutbox signals OutboxWake without blocking; call it after commit.
// The hook dispatcher is woken alike: the same changes queue for both.
func (s *Store) pokeOutbox() {
	s.outbox.poke()
	s.hooks.poke()
}

// poke signals without blocking.
func (o *outboxSignal) poke() {
	select {
	case o.c() <- struct{}{}:
	default:
	}
}

// NoteMailError records why row id could not be sent when the failure
// was not the row's (the server could not be reached): it stays due.
func (s *Store) NoteMailError(ctx context.Context, id int64, reason string) error {
	const q = `UPDATE outbox SET last_error = ?2 WHERE id = ?1`
	if _, err := s.wdb.ExecContext(ctx, q, id, reason); err != nil {
		return fmt.Errorf("store: note mail %d error: %w", id, err)
	}
	return nil
}

// PendingMail counts the rows waiting to be sent, due now or retried
// later (a scan of the outbox_due index only).
func (s *Store) PendingMail(ctx context.Context) (int64, error) {
	return s.pendingRows(ctx, "outbox", "mail")
}

// PruneOutbox deletes rows sent or given up before before: they have
// done their work (a subscriber's bounce stays on the subscriber). Rows
// of the last day must stay, since Subscribe counts confirmation mails
// from them.
func (s *Store) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	const q = `DELETE FROM outbox WHERE sent_at_ms < ?1 OR failed_at_ms < ?1`
	res, err := s.wdb.ExecContext(ctx, q, ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune outbox: %w", err)
	}
	return res.RowsAffected()
}
