package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationFiles are the schema's history, append-only: never edit a file
// that has shipped, add the next number.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations of a database in order,
// checking that they are numbered 1, 2, 3... without gaps. Both databases
// have the same numbers, each file written in its own SQL.
func migrations(d dialect) ([]migration, error) {
	dir := "migrations/" + d.String()
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		if !ok || path.Ext(name) != ".sql" {
			return nil, fmt.Errorf("migration %s: want NNNN_verb_noun.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: want NNNN_verb_noun.sql", name)
		}
		body, err := fs.ReadFile(migrationFiles, dir+"/"+name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies the migrations the database has not seen yet, each in
// its own transaction together with the bump of the schema version, so a
// crash leaves the database at one version or the next.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	ms, err := migrations(d)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	current, err := schemaVersionOf(ctx, db, d)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("store: database schema version %d is newer than this binary's %d: run a newer ampel, or restore a backup", current, len(ms))
	}
	for _, m := range ms[current:] {
		if err := apply(ctx, db, d, m); err != nil {
			return fmt.Errorf("store: migrate: %s: %w", m.name, err)
		}
	}
	return nil
}

// schemaVersionOf reads the schema version: 0 for an empty database.
// SQLite keeps it in PRAGMA user_version, PostgreSQL in the meta row
// schema_version.
func schemaVersionOf(ctx context.Context, q queryer, d dialect) (int, error) {
	if d == sqliteDialect {
		return userVersion(ctx, q)
	}
	// meta is missing before migration 1 made it.
	var exists bool
	if err := q.QueryRowContext(ctx, `SELECT to_regclass('meta') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	var v sql.NullInt64
	if !exists {
		return 0, nil
	}
	err := q.QueryRowContext(ctx, `SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'schema_version'`).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

func userVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read user_version: %w", err)
	}
	return v, nil
}

func apply(ctx context.Context, db *sql.DB, d dialect, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d == postgresDialect {
		// SQLite's BEGIN IMMEDIATE holds the write lock; on PostgreSQL
		// two processes starting at once take turns on this lock, held
		// to the end of the transaction. The key is "ampel" in ASCII.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(418447910252)`); err != nil {
			return err
		}
	}
	// Another process may have migrated since we looked.
	v, err := schemaVersionOf(ctx, tx, d)
	if err != nil {
		return err
	}
	if v >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	bump := fmt.Sprintf("PRAGMA user_version = %d", m.version) // PRAGMA takes no parameters; the version is our own integer.
	if d == postgresDialect {
		bump = fmt.Sprintf(`INSERT INTO meta (key, value) VALUES ('schema_version', '%d')
ON CONFLICT (key) DO UPDATE SET value = excluded.value`, m.version)
	}
	if _, err := tx.ExecContext(ctx, bump); err != nil {
		return err
	}
	return tx.Commit()
}
