package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// columnConverters returns, for each of cols, what turns a value read
// from SQLite into one dst's column takes (nil: as it is). SQLite's meta
// values are integers or text; PostgreSQL's are text.
func (s *Store) columnConverters(ctx context.Context, table string, cols []string) ([]func(any) any, error) {
	conv := make([]func(any) any, len(cols))
	if s.d != postgresDialect {
		return conv, nil
	}
	const query = `
SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = ?1`
	rows, err := s.rdb.QueryContext(ctx, query, table)
	if err != nil {
		return nil, fmt.Errorf("store: columns of %s: %w", table, err)
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("store: columns of %s: %w", table, err)
		}
		types[name] = typ
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: columns of %s: %w", table, err)
	}
	for i, c := range cols {
		switch types[c] {
		case "":
			return nil, fmt.Errorf("store: copy %s: PostgreSQL's table has no column %s", table, c)
		case "text":
			conv[i] = asText
		}
	}
	return conv, nil
}

// asText writes a number SQLite kept in a column PostgreSQL types as text
// in the form SQLite's own CAST(... AS TEXT) gives.
func asText(v any) any {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return string(x)
	}
	return v
}

// ResetSequences moves the database's id sequences past the ids a copy
// wrote, so that the next row inserted gets a new id. SQLite takes the
// next rowid from the table itself: nothing to do there.
func (s *Store) ResetSequences(ctx context.Context) error {
	if s.d != postgresDialect {
		return nil
	}
	const query = `
SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND is_identity = 'YES'
ORDER BY table_name`
	rows, err := s.rdb.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("store: reset sequences: %w", err)
	}
	var ids [][2]string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return fmt.Errorf("store: reset sequences: %w", err)
		}
		ids = append(ids, [2]string{t, c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: reset sequences: %w", err)
	}
	return s.writeTx(ctx, "reset sequences", func(tx *sql.Tx) error {
		for _, id := range ids {
			if err := knownTable(id[0]); err != nil {
				continue // not a table of the history's
			}
			// The next id is one past the highest copied (1 for an empty table).
			q := `SELECT setval(pg_get_serial_sequence(?1, ?2), COALESCE(MAX(` + id[1] + `), 0) + 1, false) FROM ` + id[0]
			if _, err := tx.ExecContext(ctx, q, id[0], id[1]); err != nil {
				return fmt.Errorf("store: reset the sequence of %s.%s: %w", id[0], id[1], err)
			}
		}
		return nil
	})
}

// copyRows writes rows into table with PostgreSQL's COPY, one statement
// and so one transaction, on the writer connection (pgx's own, beneath
// database/sql): several times the rate of multi-row INSERTs.
func (s *Store) copyRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: copy into %s: %w", table, err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(pgConn)
		if !ok {
			return fmt.Errorf("not a PostgreSQL connection: %T", dc)
		}
		_, err := pc.Conn.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: copy into %s: %w", table, err)
	}
	return nil
}
