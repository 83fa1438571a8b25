package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kinds of hook subscriber: where its URL points.
const (
	HookWebhook = "webhook"
	HookSlack   = "slack"
	HookTeams   = "teams"
	HookDiscord = "discord"
)

// HookKinds lists the kinds a subscriber may choose, in the form's order.
var HookKinds = []string{HookWebhook, HookSlack, HookTeams, HookDiscord}

// Hook subscriber states, derived from the row's timestamps.
const (
	HookPending      = "pending"
	HookConfirmed    = "confirmed"
	HookUnsubscribed = "unsubscribed"
	HookQuarantined  = "quarantined"
)

// Hook outbox kinds.
const (
	HookVerify    = "verify"
	HookComponent = "component"
	HookIncident  = "incident"
)

// hookWindow is the span over which verification requests to one URL
// host are counted against the per-host limit.
const hookWindow = 24 * time.Hour

// Hook is a subscriber reached at a URL. Secret, the webhook kind's
// signing key, is never part of its JSON.
type Hook struct {
	ID               int64     `json:"id"`
	Kind             string    `json:"kind"`
	URL              string    `json:"-"`
	Host             string    `json:"host"`
	Secret           string    `json:"-"`
	Lang             string    `json:"lang"`
	State            string    `json:"state"`
	All              bool      `json:"all_components"`
	Components       []string  `json:"components"`
	Created          time.Time `json:"created_at"`
	Expires          time.Time `json:"expires_at,omitzero"`
	Confirmed        time.Time `json:"confirmed_at,omitzero"`
	Unsubscribed     time.Time `json:"unsubscribed_at,omitzero"`
	Quarantined      time.Time `json:"quarantined_at,omitzero"`
	QuarantineReason string    `json:"quarantine_reason,omitempty"`
}

// HookRequest is a sign-up from the subscribe form: the kind and URL (its
// host already taken apart by the caller), the webhook kind's signing
// secret and the manage token the page shows once, which components (none
// means all), how long the verification stays open and how many
// verification requests one host may get per 24 hours.
type HookRequest struct {
	Kind, URL, Host string
	Secret          string
	ManageSecret    string
	Lang            string
	Components      []string
	ConfirmWithin   time.Duration
	MaxPerHost      int
}

// ErrHookLimited is returned when the URL's host had its verification
// requests for 24 hours.
var ErrHookLimited = errors.New("too many sign-ups for this host")

// SubscribeHook creates a pending hook subscriber, stores the hash of its
// manage token and queues its verification request (kind "verify", due
// now), in one transaction. Every sign-up is its own subscription: a URL
// signed up twice is verified twice. Over MaxPerHost verification
// requests to the host in the last 24 hours (counted from the outbox, so
// across restarts, nodes and client addresses) nothing is written and
// ErrHookLimited returned.
func (s *Store) SubscribeHook(ctx context.Context, req HookRequest, now time.Time) (int64, error) {
	var id int64
	err := s.writeTx(ctx, "subscribe hook", func(tx *sql.Tx) error {
		const count = `
SELECT count(*) FROM hook_outbox o JOIN hook_subscribers h ON h.id = o.hook_id
WHERE h.host = ?1 AND o.kind = ?2 AND o.created_at_ms > ?3`
		var n int
		if err := tx.QueryRowContext(ctx, count, req.Host, HookVerify, ms(now.Add(-hookWindow))).Scan(&n); err != nil {
			return fmt.Errorf("store: subscribe hook: count: %w", err)
		}
		if n >= req.MaxPerHost {
			return ErrHookLimited
		}
		const ins = `
INSERT INTO hook_subscribers (kind, url, host, secret, lang, all_components, created_at_ms, expires_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id`
		err := tx.QueryRowContext(ctx, ins, req.Kind, req.URL, req.Host, req.Secret, req.Lang,
			len(req.Components) == 0, ms(now), ms(now.Add(req.ConfirmWithin))).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: subscribe hook: %w", err)
		}
		if err := hookComponents.write(ctx, tx, id, req.Components); err != nil {
			return err
		}
		if err := addHookTokens(ctx, tx, []HookToken{{HookID: id, Purpose: PurposeManage, Secret: req.ManageSecret}}, now); err != nil {
			return err
		}
		const verify = `
INSERT INTO hook_outbox (event_key, hook_id, kind, at_ms, created_at_ms, next_attempt_at_ms)
VALUES (?1, ?2, ?3, ?4, ?4, ?4)`
		_, err = tx.ExecContext(ctx, verify, "verify:"+strconv.FormatInt(id, 10), id, HookVerify, ms(now))
		if err != nil {
			return fmt.Errorf("store: subscribe hook: queue verification: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.hooks.poke()
	return id, nil
}

// HookToken is a confirm or manage token of a hook subscriber; only its
// hash is stored. A zero Expires never expires.
type HookToken struct {
	HookID  int64
	Purpose string
	Secret  string
	Expires time.Time
}

// AddHookTokens stores the hashes of tokens the dispatcher minted for a
// verification request, in one transaction.
func (s *Store) AddHookTokens(ctx context.Context, tokens []HookToken, now time.Time) error {
	return s.writeTx(ctx, "add hook tokens", func(tx *sql.Tx) error { return addHookTokens(ctx, tx, tokens, now) })
}

func addHookTokens(ctx context.Context, tx *sql.Tx, tokens []HookToken, now time.Time) error {
	const q = `INSERT INTO hook_tokens (hash, hook_id, purpose, created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)`
	for _, t := range tokens {
		if _, err := tx.ExecContext(ctx, q, HashToken(t.Secret), t.HookID, t.Purpose, ms(now), nullMS(t.Expires)); err != nil {
			return fmt.Errorf("store: add hook token: %w", err)
		}
	}
	return nil
}

// hookColumns is what scanHook reads, in its order.
const hookColumns = `h.id, h.kind, h.url, h.host, h.secret, h.lang, h.all_components, h.created_at_ms,
       h.expires_at_ms, h.confirmed_at_ms, h.unsubscribed_at_ms, h.quarantined_at_ms, h.quarantine_reason,
       (SELECT string_agg(component, '
' ORDER BY component) FROM hook_subscriber_components WHERE hook_id = h.id)`

func scanHook(row scanner) (Hook, error) {
	var h Hook
	var created int64
	var expires, confirmed, unsubscribed, quarantined sql.NullInt64
	var comps sql.NullString
	err := row.Scan(&h.ID, &h.Kind, &h.URL, &h.Host, &h.Secret, &h.Lang, &h.All, &created,
		&expires, &confirmed, &unsubscribed, &quarantined, &h.QuarantineReason, &comps)
	if err != nil {
		return Hook{}, err
	}
	h.Created, h.Expires, h.Confirmed = fromMS(created), fromNullMS(expires), fromNullMS(confirmed)
	h.Unsubscribed, h.Quarantined = fromNullMS(unsubscribed), fromNullMS(quarantined)
	h.Components = []string{}
	if comps.String != "" {
		h.Components = strings.Split(comps.String, "\n")
	}
	h.State = hookState(h)
	return h, nil
}

// hookState names a hook subscriber's state: unsubscribed outranks
// quarantined, which outranks confirmed.
func hookState(h Hook) string {
	switch {
	case !h.Unsubscribed.IsZero():
		return HookUnsubscribed
	case !h.Quarantined.IsZero():
		return HookQuarantined
	case !h.Confirmed.IsZero():
		return HookConfirmed
	}
	return HookPending
}

// hookStateSQL is hookState in SQL, over hook_subscribers aliased h.
const hookStateSQL = `CASE WHEN h.unsubscribed_at_ms IS NOT NULL THEN 'unsubscribed'
     WHEN h.quarantined_at_ms IS NOT NULL THEN 'quarantined'
     WHEN h.confirmed_at_ms IS NOT NULL THEN 'confirmed' ELSE 'pending' END`

func oneHook(row *sql.Row, what string) (Hook, error) {
	h, err := scanHook(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Hook{}, ErrNoSubscriber
	}
	if err != nil {
		return Hook{}, fmt.Errorf("store: hook subscriber %s: %w", what, err)
	}
	return h, nil
}

// Hook returns hook subscriber id, or ErrNoSubscriber.
func (s *Store) Hook(ctx context.Context, id int64) (Hook, error) { return hookByID(ctx, s.rdb, id) }

func hookByID(ctx context.Context, db reader, id int64) (Hook, error) {
	q := `SELECT ` + hookColumns + ` FROM hook_subscribers h WHERE h.id = ?1`
	return oneHook(db.QueryRowContext(ctx, q, id), "by id")
}

// HookByToken returns the hook subscriber a token of purpose belongs to,
// or ErrNoSubscriber when it is unknown or expired.
func (s *Store) HookByToken(ctx context.Context, purpose, secret string, now time.Time) (Hook, error) {
	return hookByToken(ctx, s.rdb, purpose, secret, now)
}

func hookByToken(ctx context.Context, db reader, purpose, secret string, now time.Time) (Hook, error) {
	q := `SELECT ` + hookColumns + `
FROM hook_tokens t JOIN hook_subscribers h ON h.id = t.hook_id
WHERE t.hash = ?1 AND t.purpose = ?2 AND (t.expires_at_ms IS NULL OR t.expires_at_ms > ?3)`
	return oneHook(db.QueryRowContext(ctx, q, HashToken(secret), purpose, ms(now)), "by token")
}
