package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
)

// Keys of the meta table.
const (
	// metaRollupFrom is the daily rollups' watermark, an instant in Unix
	// ms: every change before it is in the rollups. BuildRollups sets it
	// to the now it built to (a midnight for a completed day); the writer
	// lowers it to the time of a change committed before it.
	metaRollupFrom = "rollup_from_ms"
	// metaRollupBuilt is the now of the last BuildRollups step (Unix ms):
	// the rows of its day that are open (rollups_daily.open_ms set) end
	// there, and readers add the time from open_ms to it.
	metaRollupBuilt = "rollup_built_ms"
	// metaRollupZone is the name of the time zone the daily rollups were
	// built in; another zone rebuilds them all.
	metaRollupZone = "rollup_zone"
	// metaLatencyFrom is the hourly latency watermark, the start of the
	// first UTC hour not yet aggregated, in Unix ms. The writer lowers it
	// to the hour of a result committed before it.
	metaLatencyFrom = "latency_from_ms"
	// metaPrunedBefore is the highest instant (Unix ms) results were
	// pruned before: hours before it are not re-aggregated.
	metaPrunedBefore = "pruned_before_ms"
	// metaInstallID is a random name for this install, made once: the
	// part of every Message-ID that differs between two installs with
	// one sender domain (see InstallID).
	metaInstallID = "install_id"
)

// InstallID returns this install's random name (16 hex digits), made on
// first use and kept in the database. Mail Message-IDs carry it, so two
// installs sending from one domain never repeat each other's ids, which
// receivers would drop as duplicates.
func (s *Store) InstallID(ctx context.Context) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("store: install id: %w", err)
	}
	var id string
	err := s.writeTx(ctx, "install id", func(tx *sql.Tx) error {
		const q = `INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING`
		if _, err := tx.ExecContext(ctx, q, metaInstallID, hex.EncodeToString(b[:])); err != nil {
			return fmt.Errorf("store: install id: %w", err)
		}
		var err error
		id, err = metaText(ctx, tx, metaInstallID)
		return err
	})
	return id, err
}

// renewInstallID gives the SQLite database file at path, which no
// process has open, a fresh install id. A restored database rewinds the
// ids of events and subscribers, so the mails sent after it would repeat
// the Message-IDs of mails sent before it, which receivers drop as
// duplicates: a restore is a new install as far as Message-IDs go.
func renewInstallID(ctx context.Context, path string) error {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("renew install id: %w", err)
	}
	// A rollback journal, gone at commit: a -wal left beside the file
	// would not move with it into place.
	db, err := sql.Open("sqlite3", fileURI(path, url.Values{"_journal_mode": {"DELETE"}, "_synchronous": {"FULL"}}))
	if err != nil {
		return fmt.Errorf("renew install id: %w", err)
	}
	defer db.Close()
	if err := sqliteDialect.setMeta(ctx, db, metaInstallID, hex.EncodeToString(b[:])); err != nil {
		return fmt.Errorf("renew install id: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("renew install id: %w", err)
	}
	return nil
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// metaInt reads an integer from meta; ok is false when the key is absent.
func metaInt(ctx context.Context, q queryer, key string) (v int64, ok bool, err error) {
	const query = `SELECT value FROM meta WHERE key = ?1`
	err = q.QueryRowContext(ctx, query, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", key, err)
	}
	return v, true, nil
}

// metaText reads a string from meta; "" when the key is absent.
func metaText(ctx context.Context, q queryer, key string) (string, error) {
	const query = `SELECT value FROM meta WHERE key = ?1`
	var v string
	err := q.QueryRowContext(ctx, query, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", key, err)
	}
	return v, nil
}

// setMeta stores a value under key.
func (d dialect) setMeta(ctx context.Context, q queryer, key string, value any) error {
	const query = `
INSERT INTO meta (key, value) VALUES (?1, ?2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	if _, err := q.ExecContext(ctx, query, key, d.metaValue(value)); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// lowerMeta lowers the integer under key to v when it is higher; an
// absent key stays absent (the first build starts from the oldest data).
func (d dialect) lowerMeta(ctx context.Context, q queryer, key string, v int64) error {
	query := d.pick(`UPDATE meta SET value = ?2 WHERE key = ?1 AND value > ?2`,
		`UPDATE meta SET value = ?2 WHERE key = ?1 AND CAST(value AS BIGINT) > CAST(?2 AS BIGINT)`)
	if _, err := q.ExecContext(ctx, query, key, d.metaValue(v)); err != nil {
		return fmt.Errorf("lower %s: %w", key, err)
	}
	return nil
}

// metaValue is v as meta stores it: as it is in SQLite's ANY column, as
// decimal text in PostgreSQL's TEXT column (compared as BIGINT there).
func (d dialect) metaValue(v any) any {
	if d == postgresDialect {
		return fmt.Sprint(v)
	}
	return v
}
