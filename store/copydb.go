package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// copyTables is every table of the history in the order a copy fills
// them: each after the tables its rows refer to.
var copyTables = []string{
	"checks", "zones", "results", "state_changes",
	"rollups_daily", "rollups_monthly", "latency_hourly", "meta",
	"agents", "tokens", "users", "sessions", "audit_log",
	"incidents", "incident_components", "incident_updates",
	"maintenances", "maintenance_components", "maintenance_updates",
	"subscribers", "subscriber_components", "subscriber_tokens", "outbox",
	"hook_subscribers", "hook_subscriber_components", "hook_tokens", "hook_outbox", "hook_attempts",
	"alert_outbox", "alert_attempts", "alert_silences",
}

// Tables lists every table of the history, each after the tables its
// rows refer to: the order in which a copy (ampel migrate-db) fills an
// empty database.
func Tables() []string { return slices.Clone(copyTables) }

// knownTable refuses a name that is not one of the history's tables: the
// copy builds SQL from table names.
func knownTable(table string) error {
	if !slices.Contains(copyTables, table) {
		return fmt.Errorf("store: unknown table %q", table)
	}
	return nil
}

// historyRows selects a table's rows of history: all of them, but for
// the schema's own version on PostgreSQL (SQLite keeps it in a pragma),
// which a fresh database has and a copy must not carry over.
func historyRows(table string) string {
	if table == "meta" {
		return `meta WHERE key <> 'schema_version'`
	}
	return table
}

// CountRows counts the rows of one of the history's tables.
func (s *Store) CountRows(ctx context.Context, table string) (int64, error) {
	if err := knownTable(table); err != nil {
		return 0, err
	}
	var n int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+historyRows(table)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count %s: %w", table, err)
	}
	return n, nil
}

// FirstChange returns the instant of the oldest recorded state change;
// ok is false when there is none.
func (s *Store) FirstChange(ctx context.Context) (t time.Time, ok bool, err error) {
	const query = `SELECT MIN(at_ms) FROM state_changes`
	var ms sql.NullInt64
	if err := s.rdb.QueryRowContext(ctx, query).Scan(&ms); err != nil {
		return time.Time{}, false, fmt.Errorf("store: first change: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, false, nil
	}
	return fromMS(ms.Int64), true, nil
}

// maxParams bounds the parameters of one INSERT: SQLite allows 32,766.
const maxParams = 30000

// CopyTable copies every row of table from src, a SQLite store, into
// dst, in key order, chunk rows per transaction of dst; progress, if not
// nil, gets the rows copied so far after each. It returns how many rows
// it copied. The rows keep their ids; call dst.ResetSequences once every
// table is copied.
func CopyTable(ctx context.Context, dst, src *Store, table string, chunk int, progress func(done int64)) (int64, error) {
	if err := knownTable(table); err != nil {
		return 0, err
	}
	if src.d != sqliteDialect {
		return 0, fmt.Errorf("store: copy %s: the copy reads from SQLite, not %s", table, src.d)
	}
	cols, order, err := src.tableColumns(ctx, table)
	if err != nil {
		return 0, err
	}
	conv, err := dst.columnConverters(ctx, table, cols)
	if err != nil {
		return 0, err
	}
	rows, err := src.rdb.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+historyRows(table)+` ORDER BY `+strings.Join(order, ", "))
	if err != nil {
		return 0, fmt.Errorf("store: read %s: %w", table, err)
	}
	defer rows.Close()
	var done int64
	batch := make([][]any, 0, chunk)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := dst.insertRows(ctx, table, cols, batch); err != nil {
			return err
		}
		done += int64(len(batch))
		batch = batch[:0]
		if progress != nil {
			progress(done)
		}
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return done, fmt.Errorf("store: read %s: %w", table, err)
		}
		for i, f := range conv {
			if f != nil {
				vals[i] = f(vals[i])
			}
		}
		batch = append(batch, vals)
		if len(batch) == chunk {
			if err := flush(); err != nil {
				return done, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return done, fmt.Errorf("store: read %s: %w", table, err)
	}
	return done, flush()
}

// tableColumns lists a table's columns in their order, and its key
// columns, by which the copy reads it.
func (s *Store) tableColumns(ctx context.Context, table string) (cols, key []string, err error) {
	const query = `SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid`
	rows, err := s.rdb.QueryContext(ctx, query, table)
	if err != nil {
		return nil, nil, fmt.Errorf("store: columns of %s: %w", table, err)
	}
	defer rows.Close()
	pk := map[int]string{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return nil, nil, fmt.Errorf("store: columns of %s: %w", table, err)
		}
		cols = append(cols, name)
		if n > 0 {
			pk[n] = name
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: columns of %s: %w", table, err)
	}
	for i := 1; i <= len(pk); i++ {
		key = append(key, pk[i])
	}
	if len(key) == 0 {
		key = cols
	}
	return cols, key, nil
}

// insertRows writes rows into table in one transaction: with COPY on
// PostgreSQL, as few multi-row INSERTs as the parameter limit allows on
// SQLite.
func (s *Store) insertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if s.d == postgresDialect {
		return s.copyRows(ctx, table, cols, rows)
	}
	return s.writeTx(ctx, "copy into "+table, func(tx *sql.Tx) error {
		if err := insertValues(ctx, tx, table, cols, rows, ""); err != nil {
			return fmt.Errorf("store: copy into %s: %w", table, err)
		}
		return nil
	})
}

// insertValues writes rows into table in tx with as few multi-row
// INSERTs as the parameter limit allows, each followed by then (an ON
// CONFLICT clause, or "").
func insertValues(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any, then string) error {
	per := max(1, maxParams/len(cols))
	for len(rows) > 0 {
		n := min(per, len(rows))
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, n*len(cols))
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "?%d", len(args)+1)
				args = append(args, r[j])
			}
			b.WriteByte(')')
		}
		b.WriteString(then)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}
