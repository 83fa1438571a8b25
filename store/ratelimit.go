package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RateKey names one counter of a rate limit: what is counted (a limit
// and a client: "login-ip:192.0.2.1") and the length of its fixed
// windows.
type RateKey struct {
	Key    string
	Window time.Duration
}

// windowStart is the start of the window of k that contains now, in
// Unix ms: windows are aligned to the epoch, so every node puts a hit in
// the same one.
func (k RateKey) windowStart(now time.Time) int64 {
	w := k.Window.Milliseconds()
	return ms(now) / w * w
}

// WindowEnd is when the window of k that contains now ends.
func (k RateKey) WindowEnd(now time.Time) time.Time {
	return fromMS(k.windowStart(now) + k.Window.Milliseconds())
}

// CountHits counts one hit on each key in its window containing now and
// returns each key's hits in that window, this one included: one
// statement, so nodes of a cluster counting at once never lose a hit and
// a limit holds across them (not once per node). The keys must differ.
func (s *Store) CountHits(ctx context.Context, now time.Time, keys ...RateKey) ([]int64, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO rate_hits (key, window_ms, hits) VALUES `)
	args := make([]any, 0, 2*len(keys))
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(?%d, ?%d, 1)", 2*i+1, 2*i+2)
		args = append(args, k.Key, k.windowStart(now))
	}
	b.WriteString(` ON CONFLICT (key, window_ms) DO UPDATE SET hits = rate_hits.hits + 1 RETURNING key, hits`)
	rows, err := s.wdb.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: count hits: %w", err)
	}
	defer rows.Close()
	got := make(map[string]int64, len(keys))
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("store: count hits: %w", err)
		}
		got[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count hits: %w", err)
	}
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = got[k.Key]
	}
	return out, nil
}

// Hits returns each key's hits in its window containing now, counting
// none: a limit's look before an attempt.
func (s *Store) Hits(ctx context.Context, now time.Time, keys ...RateKey) ([]int64, error) {
	out := make([]int64, len(keys))
	const q = `SELECT coalesce((SELECT hits FROM rate_hits WHERE key = ?1 AND window_ms = ?2), 0)`
	for i, k := range keys {
		if err := s.rdb.QueryRowContext(ctx, q, k.Key, k.windowStart(now)).Scan(&out[i]); err != nil {
			return nil, fmt.Errorf("store: hits of %s: %w", k.Key, err)
		}
	}
	return out, nil
}

// PruneRateHits deletes the counts of windows that started before
// before: pass a time at least the longest window (a day) ago, or a
// window still running loses its count.
func (s *Store) PruneRateHits(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.wdb.ExecContext(ctx, `DELETE FROM rate_hits WHERE window_ms < ?1`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune rate hits: %w", err)
	}
	return res.RowsAffected()
}
