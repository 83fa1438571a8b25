package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// InboxEntry is something one node of a cluster received for the leader
// to apply, in the sender's format: an agent's result (Seq is its
// sequence number) or a heartbeat call (Seq 0: calls have none, and each
// is stored).
type InboxEntry struct {
	Seq  int64
	Body json.RawMessage
}

// InboxItem is a stored entry with its id, source and arrival.
type InboxItem struct {
	ID       int64
	Source   string
	Received time.Time
	InboxEntry
}

// PutInbox stores what source (an agent's id, or "heartbeat:" and a
// check) sent, each entry with a sequence number once: an entry already
// stored under (source, seq) is a resend and ignored. It returns once the
// entries are committed, so the caller may acknowledge them, and tells
// the leader (ChannelInbox). stored counts the entries new to the inbox.
func (s *Store) PutInbox(ctx context.Context, source string, entries []InboxEntry, now time.Time) (stored int, err error) {
	if len(entries) == 0 {
		return 0, nil
	}
	const q = `
INSERT INTO inbox (source, seq, result, received_at_ms)
VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (source, seq) DO NOTHING`
	err = s.writeTx(ctx, "put inbox", func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: put inbox: %w", err)
		}
		defer stmt.Close()
		for _, e := range entries {
			seq := sql.NullInt64{Int64: e.Seq, Valid: e.Seq > 0}
			res, err := stmt.ExecContext(ctx, source, seq, string(e.Body), ms(now))
			if err != nil {
				return fmt.Errorf("store: put inbox: %w", err)
			}
			if n, err := res.RowsAffected(); err == nil {
				stored += int(n)
			}
		}
		if stored > 0 {
			return s.notify(ctx, tx, ChannelInbox)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return stored, nil
}

// PendingInbox returns at most limit entries not yet applied, in the
// order they were stored.
func (s *Store) PendingInbox(ctx context.Context, limit int) ([]InboxItem, error) {
	const q = `
SELECT id, source, coalesce(seq, 0), result, received_at_ms
FROM inbox
WHERE applied_at_ms IS NULL
ORDER BY id
LIMIT ?1`
	rows, err := s.rdb.QueryContext(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending inbox: %w", err)
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		var (
			it         InboxItem
			body       string
			receivedMS int64
		)
		if err := rows.Scan(&it.ID, &it.Source, &it.Seq, &body, &receivedMS); err != nil {
			return nil, fmt.Errorf("store: pending inbox: %w", err)
		}
		it.Body, it.Received = json.RawMessage(body), fromMS(receivedMS)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pending inbox: %w", err)
	}
	return out, nil
}

// MarkInboxApplied records that the entries with ids were handed to
// ingest (and committed by its writer).
func (s *Store) MarkInboxApplied(ctx context.Context, ids []int64, now time.Time) error {
	return s.writeTx(ctx, "mark inbox applied", func(tx *sql.Tx) error {
		const q = `UPDATE inbox SET applied_at_ms = ?2 WHERE id = ?1`
		stmt, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: mark inbox applied: %w", err)
		}
		defer stmt.Close()
		for _, id := range ids {
			if _, err := stmt.ExecContext(ctx, id, ms(now)); err != nil {
				return fmt.Errorf("store: mark inbox applied: %w", err)
			}
		}
		return nil
	})
}

// PruneInbox deletes entries applied before before; an agent's spool
// never resends what it had acknowledged so long ago.
func (s *Store) PruneInbox(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.wdb.ExecContext(ctx, `DELETE FROM inbox WHERE applied_at_ms < ?1`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune inbox: %w", err)
	}
	return res.RowsAffected()
}
