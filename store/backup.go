package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SnapshotInfo describes a snapshot Snapshot wrote and verified.
type SnapshotInfo struct {
	Path string
	Size int64
	// Took is the whole time: copy, sync and verification.
	Took time.Duration
	SnapshotSummary
}

// TempSuffix ends the name of a snapshot being written. A listing of good
// snapshots must skip such files: they may be incomplete, and a crash can
// leave one behind.
const TempSuffix = ".partial"

// Snapshot writes a consistent copy of the live database at src to dst
// with VACUUM INTO, over a read-only connection of its own: it reads one
// WAL snapshot of the database while the server's writer goes on
// committing (readers never block the writer), and works from another
// process as well. The copy is written under a temporary name next to dst
// (dot-prefixed, ending in TempSuffix), synced, checked with PRAGMA
// integrity_check and only then renamed to dst, and the folder synced: a
// file named dst is always complete and verified. On any failure the
// temporary file is removed. dst must not exist.
func Snapshot(ctx context.Context, src, dst string) (SnapshotInfo, error) {
	start := time.Now()
	info := SnapshotInfo{Path: dst}
	if err := checkSnapshotPaths(src, dst); err != nil {
		return info, err
	}
	tmp, err := createTemp(dst)
	if err != nil {
		return info, err
	}
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if err := vacuumInto(ctx, src, tmp); err != nil {
		return info, err
	}
	if err := syncFile(tmp); err != nil {
		return info, fmt.Errorf("snapshot: sync %s: %w", tmp, err)
	}
	sum, err := VerifySnapshot(ctx, tmp)
	if err != nil {
		return info, fmt.Errorf("snapshot: verify: %w", err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return info, fmt.Errorf("snapshot: %s appeared while the snapshot was written; not replacing it", dst)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return info, fmt.Errorf("snapshot: %w", err)
	}
	ok = true
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return info, fmt.Errorf("snapshot: sync folder: %w", err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return info, fmt.Errorf("snapshot: %w", err)
	}
	info.Size, info.Took, info.SnapshotSummary = fi.Size(), time.Since(start), sum
	return info, nil
}

// checkSnapshotPaths refuses a missing source and a destination that
// exists or is one of the database's own files.
func checkSnapshotPaths(src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("snapshot: database: %w", err)
	}
	absSrc, err1 := filepath.Abs(src)
	absDst, err2 := filepath.Abs(dst)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	for _, own := range []string{absSrc, absSrc + "-wal", absSrc + "-shm", LockPath(absSrc)} {
		if absDst == own {
			return fmt.Errorf("snapshot: %s is the database's own file; write the snapshot elsewhere", dst)
		}
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("snapshot: %s already exists; choose a new name or remove it", dst)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// createTemp creates an empty, owner-only file next to dst for VACUUM
// INTO (which accepts an empty file): snapshots hold internal targets and
// error texts, like the database.
func createTemp(dst string) (string, error) {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+"."+hex.EncodeToString(rnd[:])+TempSuffix)
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("snapshot: %w", err)
	}
	return tmp, nil
}

// vacuumInto copies src into the empty file dst in one read transaction.
func vacuumInto(ctx context.Context, src, dst string) error {
	db, err := sql.Open("sqlite3", readerDSN(src))
	if err != nil {
		return fmt.Errorf("snapshot: open %s: %w", src, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// The file name is an expression, so it can be bound.
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("snapshot: %w", ctx.Err())
		}
		return fmt.Errorf("snapshot: copy %s: %w", src, asCorrupt(src, err))
	}
	return nil
}

// IsTemp reports whether name (a base name) is a snapshot being written or
// left behind by a crash.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, TempSuffix)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}
