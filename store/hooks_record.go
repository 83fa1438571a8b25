package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Outcomes of a hook delivery attempt, as hook_attempts stores them.
const (
	HookDelivered = "delivered"
	HookRetry     = "retry"
	HookFailed    = "failed"
)

// HookResult is what became of one due row: an attempt (Outcome set) or a
// row dropped unsent because its subscriber may no longer get it
// (Outcome empty, Err says why).
type HookResult struct {
	RowID, HookID int64
	Outcome       string
	// Next is when to try again (Outcome HookRetry).
	Next    time.Time
	Status  int
	Latency time.Duration
	Err     string
	// Confirm: the receiver echoed the verification's challenge, which
	// confirms the subscription at once.
	Confirm bool
}

// Quarantine is when a subscription is paused: Failures failed attempts
// within Window. Zero Failures never quarantines.
type Quarantine struct {
	Failures int
	Window   time.Duration
}

// RecordHooks stores the results of a round of deliveries in one
// transaction: each row marked sent, rescheduled or failed, each attempt
// recorded, echoed verifications confirmed, and the confirmed
// subscriptions that failed q.Failures times within q.Window
// quarantined, their queued rows given up. It returns the subscriptions
// it quarantined.
func (s *Store) RecordHooks(ctx context.Context, results []HookResult, q Quarantine, now time.Time) ([]int64, error) {
	var quarantined []int64
	err := s.writeTx(ctx, "record hooks", func(tx *sql.Tx) error {
		failing := map[int64]string{}
		for _, r := range results {
			if err := recordHook(ctx, tx, r, now); err != nil {
				return err
			}
			if r.Outcome == HookRetry || r.Outcome == HookFailed {
				failing[r.HookID] = r.Err
			}
		}
		if q.Failures <= 0 {
			return nil
		}
		for id, reason := range failing {
			ok, err := quarantineHook(ctx, tx, id, reason, q, now)
			if err != nil {
				return err
			}
			if ok {
				quarantined = append(quarantined, id)
			}
		}
		return nil
	})
	return quarantined, err
}

func recordHook(ctx context.Context, tx *sql.Tx, r HookResult, now time.Time) error {
	var q string
	args := []any{r.RowID, ms(now), truncateText(r.Err, 500)}
	switch r.Outcome {
	case HookDelivered:
		q = `UPDATE hook_outbox SET sent_at_ms = ?2, attempts = attempts + 1, last_error = ?3,
       first_try_at_ms = coalesce(first_try_at_ms, ?2) WHERE id = ?1`
	case HookRetry:
		q = `UPDATE hook_outbox SET next_attempt_at_ms = ?4, attempts = attempts + 1, last_error = ?3,
       first_try_at_ms = coalesce(first_try_at_ms, ?2) WHERE id = ?1`
		args = append(args, ms(r.Next))
	case HookFailed:
		q = `UPDATE hook_outbox SET failed_at_ms = ?2, attempts = attempts + 1, last_error = ?3,
       first_try_at_ms = coalesce(first_try_at_ms, ?2) WHERE id = ?1`
	default: // dropped unsent
		q = `UPDATE hook_outbox SET failed_at_ms = ?2, last_error = ?3 WHERE id = ?1`
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: record hook %d: %w", r.RowID, err)
	}
	if r.Outcome == "" {
		return nil
	}
	const attempt = `
INSERT INTO hook_attempts (hook_id, at_ms, outcome, status_code, latency_us, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)`
	if _, err := tx.ExecContext(ctx, attempt, r.HookID, ms(now), r.Outcome, r.Status, r.Latency.Microseconds(), truncateText(r.Err, 500)); err != nil {
		return fmt.Errorf("store: record hook attempt: %w", err)
	}
	if r.Confirm {
		const confirm = `
UPDATE hook_subscribers SET confirmed_at_ms = ?2, expires_at_ms = NULL
WHERE id = ?1 AND confirmed_at_ms IS NULL AND unsubscribed_at_ms IS NULL`
		if _, err := tx.ExecContext(ctx, confirm, r.HookID, ms(now)); err != nil {
			return fmt.Errorf("store: confirm hook %d: %w", r.HookID, err)
		}
	}
	return nil
}

// quarantineHook pauses a confirmed subscription that failed q.Failures
// times within q.Window, and reports whether it did.
func quarantineHook(ctx context.Context, tx *sql.Tx, id int64, reason string, q Quarantine, now time.Time) (bool, error) {
	const count = `SELECT count(*) FROM hook_attempts WHERE hook_id = ?1 AND outcome <> ?2 AND at_ms > ?3`
	var n int
	if err := tx.QueryRowContext(ctx, count, id, HookDelivered, ms(now.Add(-q.Window))).Scan(&n); err != nil {
		return false, fmt.Errorf("store: count hook failures: %w", err)
	}
	if n < q.Failures {
		return false, nil
	}
	const pause = `
UPDATE hook_subscribers SET quarantined_at_ms = ?2, quarantine_reason = ?3
WHERE id = ?1 AND confirmed_at_ms IS NOT NULL AND unsubscribed_at_ms IS NULL AND quarantined_at_ms IS NULL`
	res, err := tx.ExecContext(ctx, pause, id, ms(now), truncateText(fmt.Sprintf("%d failed deliveries within %s; last: %s", n, q.Window, reason), 500))
	if err != nil {
		return false, fmt.Errorf("store: quarantine hook %d: %w", id, err)
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return false, err
	}
	const drop = `
UPDATE hook_outbox SET failed_at_ms = ?2, last_error = 'quarantined'
WHERE hook_id = ?1 AND sent_at_ms IS NULL AND failed_at_ms IS NULL`
	if _, err := tx.ExecContext(ctx, drop, id, ms(now)); err != nil {
		return false, fmt.Errorf("store: quarantine hook %d: drop queued: %w", id, err)
	}
	return true, nil
}

// truncateText cuts s to at most n bytes on a rune boundary.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
