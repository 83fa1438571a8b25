package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// leaseDB is the connection lease statements run on.
func (s *Store) leaseDB() *sql.DB {
	if s.ldb != nil {
		return s.ldb
	}
	return s.wdb
}

// Lease is the leader's lease as the database holds it.
type Lease struct {
	// Holder is the node that leads, Epoch its term: every takeover
	// bumps it, so a term is never named twice.
	Holder string
	Epoch  int64
	// Expires is when the term ends without a renewal, by the database's
	// clock; Now is that clock when the lease was read.
	Expires, Now time.Time
}

// nowMS is the database's clock in Unix ms, read when the statement runs
// (not when its transaction began, and after any lock it waited for):
// the nodes' own clocks never decide who leads.
func (d dialect) nowMS() string {
	return d.pick(`CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`,
		`CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)`)
}

// TakeLease renews node's lease when it holds the term epoch, or takes
// the lease over with a new epoch when nobody holds it or its term has
// expired; either way the term then lasts ttl from now. It returns the
// lease as it is afterwards: node leads when Holder is node (and Epoch
// is its term's), another node when not. Pass epoch 0 when node does not
// lead: it then renews nothing, so a node restarted under the same name
// waits for its old term to expire like everyone else.
//
// A takeover updates the lease row, so it waits for the deposed leader's
// fenced transactions in flight (see checkFence).
func (s *Store) TakeLease(ctx context.Context, node string, epoch int64, ttl time.Duration) (l Lease, won bool, err error) {
	db := s.leaseDB()
	now := s.d.nowMS()
	q := `
INSERT INTO cluster_lease (id, holder, epoch, expires_ms) VALUES (1, ?1, 1, ` + now + ` + ?3)
ON CONFLICT (id) DO UPDATE SET
	holder = excluded.holder,
	epoch = CASE WHEN cluster_lease.holder = excluded.holder AND cluster_lease.epoch = ?2
		THEN cluster_lease.epoch ELSE cluster_lease.epoch + 1 END,
	expires_ms = excluded.expires_ms
WHERE (cluster_lease.holder = excluded.holder AND cluster_lease.epoch = ?2) OR cluster_lease.expires_ms <= ` + now + `
RETURNING holder, epoch, expires_ms, ` + now
	var exp, at int64
	err = db.QueryRowContext(ctx, q, node, epoch, ttl.Milliseconds()).Scan(&l.Holder, &l.Epoch, &exp, &at)
	if errors.Is(err, sql.ErrNoRows) {
		l, err = s.readLease(ctx, db) // another node's term runs
		return l, false, err
	}
	if err != nil {
		return Lease{}, false, fmt.Errorf("store: take the lease: %w", err)
	}
	l.Expires, l.Now = fromMS(exp), fromMS(at)
	return l, true, nil
}

// ReadLease returns the lease; a zero Lease when nobody ever led.
func (s *Store) ReadLease(ctx context.Context) (Lease, error) {
	db := s.leaseDB()
	return s.readLease(ctx, db)
}

func (s *Store) readLease(ctx context.Context, db *sql.DB) (Lease, error) {
	q := `SELECT l.holder, l.epoch, l.expires_ms, n.now_ms FROM (SELECT ` + s.d.nowMS() + ` AS now_ms) n
LEFT JOIN cluster_lease l ON l.id = 1`
	var holder sql.NullString
	var epoch, exp sql.NullInt64
	var at int64
	if err := db.QueryRowContext(ctx, q).Scan(&holder, &epoch, &exp, &at); err != nil {
		return Lease{}, fmt.Errorf("store: read the lease: %w", err)
	}
	l := Lease{Holder: holder.String, Epoch: epoch.Int64, Now: fromMS(at)}
	if exp.Valid {
		l.Expires = fromMS(exp.Int64)
	}
	return l, nil
}

// ReleaseLease ends node's term epoch now, if it still holds it, so
// another node takes over at its next try rather than after the lease
// runs out (a clean stop of the leader).
func (s *Store) ReleaseLease(ctx context.Context, node string, epoch int64) error {
	db := s.leaseDB()
	q := `UPDATE cluster_lease SET expires_ms = ` + s.d.nowMS() + ` WHERE id = 1 AND holder = ?1 AND epoch = ?2`
	if _, err := db.ExecContext(ctx, q, node, epoch); err != nil {
		return fmt.Errorf("store: release the lease: %w", err)
	}
	return nil
}

// Node is one node of a cluster as it last reported itself.
type Node struct {
	Node, Role, Version, Addr string
	// Epoch is the term the node last saw (its own when it leads).
	Epoch int64
	// Seen is when it last reported, by the database's clock.
	Seen time.Time
}

// SeeNode records that n is alive now, by the database's clock.
func (s *Store) SeeNode(ctx context.Context, n Node) error {
	db := s.leaseDB()
	q := `INSERT INTO cluster_nodes (node, role, version, addr, epoch, seen_ms) VALUES (?1, ?2, ?3, ?4, ?5, ` + s.d.nowMS() + `)
ON CONFLICT (node) DO UPDATE SET role = excluded.role, version = excluded.version, addr = excluded.addr,
	epoch = excluded.epoch, seen_ms = excluded.seen_ms`
	if _, err := db.ExecContext(ctx, q, n.Node, n.Role, n.Version, n.Addr, n.Epoch); err != nil {
		return fmt.Errorf("store: record node %s: %w", n.Node, err)
	}
	return nil
}

// Nodes lists the nodes seen since the database's clock minus within,
// by name, with that clock's now.
func (s *Store) Nodes(ctx context.Context, within time.Duration) ([]Node, time.Time, error) {
	q := `SELECT n.node, n.role, n.version, n.addr, n.epoch, n.seen_ms, c.now_ms
FROM cluster_nodes n, (SELECT ` + s.d.nowMS() + ` AS now_ms) c
WHERE n.seen_ms >= c.now_ms - ?1 ORDER BY n.node`
	rows, err := s.rdb.QueryContext(ctx, q, within.Milliseconds())
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: nodes: %w", err)
	}
	defer rows.Close()
	var out []Node
	var now time.Time
	for rows.Next() {
		var n Node
		var seen, at int64
		if err := rows.Scan(&n.Node, &n.Role, &n.Version, &n.Addr, &n.Epoch, &seen, &at); err != nil {
			return nil, time.Time{}, fmt.Errorf("store: nodes: %w", err)
		}
		n.Seen, now = fromMS(seen), fromMS(at)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, fmt.Errorf("store: nodes: %w", err)
	}
	return out, now, nil
}
