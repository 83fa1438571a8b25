package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrFenced is the error of a write made for a leader's term that has
// ended: another node took the lease (a higher epoch), or this one gave
// it up. Nothing of the refused transaction is stored.
var ErrFenced = errors.New("store: fenced: this node's term as leader has ended")

// Fence names the term a write is made for: the node holding the lease
// and the lease's epoch then.
type Fence struct {
	Holder string
	Epoch  int64
}

type fenceKey struct{}

// WithFence returns ctx carrying f: every write transaction run with it
// (and every batch the Writer queues while SetFence holds f) first checks
// inside the same transaction that f still holds the lease, and fails
// with ErrFenced otherwise. On SQLite, which one process owns, the check
// is skipped.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FenceOf returns the fence ctx carries, if any.
func FenceOf(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok
}

// checkFence refuses tx when ctx carries a fence that no longer holds the
// lease. The row lock (FOR SHARE) lasts until tx ends: a node taking the
// lease over updates that row, so its takeover waits for this commit,
// and the deposed leader's transaction either commits before the new
// epoch begins or finds its fence gone. Two leaders never write at once.
func (s *Store) checkFence(ctx context.Context, tx *sql.Tx) error {
	f, ok := FenceOf(ctx)
	if !ok || s.d == sqliteDialect {
		return nil
	}
	const q = `SELECT 1 FROM cluster_lease WHERE id = 1 AND holder = ?1 AND epoch = ?2 FOR SHARE`
	var one int
	err := tx.QueryRowContext(ctx, q, f.Holder, f.Epoch).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w (node %s, epoch %d)", ErrFenced, f.Holder, f.Epoch)
	}
	if err != nil {
		return fmt.Errorf("check the leader's lease: %w", err)
	}
	return nil
}

// beginWrite begins a transaction on the writer connection and checks
// the fence ctx carries.
func (s *Store) beginWrite(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err := s.checkFence(ctx, tx); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}
