package store

import (
	"context"
	"fmt"
	"strings"
)

// stateSQL is stateOf in SQL, for filters and counts.
const stateSQL = `CASE WHEN s.bounced_at_ms IS NOT NULL THEN 'bounced'
     WHEN s.unsubscribed_at_ms IS NOT NULL THEN 'unsubscribed'
     WHEN s.confirmed_at_ms IS NOT NULL THEN 'confirmed' ELSE 'pending' END`

// activeSQL holds for the subscribers (aliased s) mail goes to:
// confirmed, not unsubscribed, not bounced.
const activeSQL = `s.confirmed_at_ms IS NOT NULL AND s.unsubscribed_at_ms IS NULL AND s.bounced_at_ms IS NULL`

// SubscriberQuery selects subscribers for the console, the API and the
// export: Q is part of the address (case-insensitive), Component keeps
// those who hear about it (all-component subscribers included), State
// one state; each empty for any. Pages run by id: After is the last id
// of the previous page.
type SubscriberQuery struct {
	Q, Component, State string
	After               int64
	Limit               int
}

// ListSubscribers returns up to Limit subscribers matching q, by id.
func (s *Store) ListSubscribers(ctx context.Context, q SubscriberQuery) ([]Subscriber, error) {
	// SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE needs a
	// deterministic collation.
	like := s.d.pick(`s.email LIKE '%' || ?2 || '%' ESCAPE '\'`, `s.email COLLATE "C" ILIKE '%' || ?2 || '%' ESCAPE '\'`)
	query := `SELECT ` + subscriberColumns + ` FROM subscribers s
WHERE s.id > ?1
  AND (?2 = '' OR ` + like + `)
  AND (?3 = '' OR s.all_components = 1
       OR EXISTS (SELECT 1 FROM subscriber_components c WHERE c.subscriber_id = s.id AND c.component = ?3))
  AND (?4 = '' OR ` + stateSQL + ` = ?4)
ORDER BY s.id LIMIT ?5`
	rows, err := s.rdb.QueryContext(ctx, query, q.After, escapeLike(q.Q), q.Component, q.State, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: list subscribers: %w", err)
	}
	defer rows.Close()
	subs := []Subscriber{}
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list subscribers: %w", err)
		}
		subs = append(subs, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list subscribers: %w", err)
	}
	return subs, nil
}

// escapeLike makes s match literally inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SubscriberCounts are the numbers operators see: subscribers by state,
// and of the confirmed ones (who get mail), those for every component
// (All) and those who chose components, per component. Who hears about
// a component is All plus Components[slug].
type SubscriberCounts struct {
	States     map[string]int `json:"states"`
	All        int            `json:"all_components"`
	Components map[string]int `json:"components"`
}

// CountSubscribers returns the subscriber counts.
func (s *Store) CountSubscribers(ctx context.Context) (SubscriberCounts, error) {
	c := SubscriberCounts{
		States:     map[string]int{SubscriberPending: 0, SubscriberConfirmed: 0, SubscriberUnsubscribed: 0, SubscriberBounced: 0},
		Components: map[string]int{},
	}
	if err := s.countInto(ctx, c.States, `SELECT `+stateSQL+`, count(*) FROM subscribers s GROUP BY 1`); err != nil {
		return c, err
	}
	all := map[string]int{}
	if err := s.countInto(ctx, all, `SELECT 'all', count(*) FROM subscribers s WHERE s.all_components = 1 AND `+activeSQL); err != nil {
		return c, err
	}
	c.All = all["all"]
	err := s.countInto(ctx, c.Components, `
SELECT c.component, count(*) FROM subscriber_components c JOIN subscribers s ON s.id = c.subscriber_id
WHERE s.all_components = 0 AND `+activeSQL+` GROUP BY c.component`)
	return c, err
}

// countInto adds the (name, count) rows of q to m.
func (s *Store) countInto(ctx context.Context, m map[string]int, q string) error {
	rows, err := s.rdb.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("store: count subscribers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return fmt.Errorf("store: count subscribers: %w", err)
		}
		m[name] += n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: count subscribers: %w", err)
	}
	return nil
}
