package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// RestoreInfo describes a restore.
type RestoreInfo struct {
	// From is the snapshot; Size its size.
	From string
	Size int64
	// KeptAside is where the replaced database now is; empty when there
	// was none.
	KeptAside string
	Took      time.Duration
	SnapshotSummary
}

// Restore installs the snapshot at from as the database l guards. The
// snapshot is copied next to the database, synced and verified there
// (integrity_check, an Ampel schema this binary can open) and given a
// fresh install id (see renewInstallID); then the current
// database, with its -wal and -shm, is kept aside as
// "<db>.replaced-<UTC time>" and the copy renamed into place. The lock
// file says "restoring" while files move, so an interrupted restore is
// refused at the next start rather than served. A failure before the swap
// leaves the database untouched.
func Restore(ctx context.Context, l *Lock, from string, now time.Time) (RestoreInfo, error) {
	start := time.Now()
	info := RestoreInfo{From: from}
	tmp := filepath.Join(filepath.Dir(l.DB), "."+filepath.Base(l.DB)+".restore"+TempSuffix)
	size, err := copyFile(from, tmp)
	if err != nil {
		os.Remove(tmp)
		return info, fmt.Errorf("restore: copy snapshot: %w", err)
	}
	info.Size = size
	// Verify the copy, which is what gets installed.
	sum, err := VerifySnapshot(ctx, tmp)
	if err != nil {
		os.Remove(tmp)
		return info, fmt.Errorf("restore: %s: %w", from, err)
	}
	info.SnapshotSummary = sum
	if err := renewInstallID(ctx, tmp); err != nil {
		os.Remove(tmp)
		return info, fmt.Errorf("restore: %w", err)
	}
	if err := l.Mark(StateRestoring, "from="+from); err != nil {
		os.Remove(tmp)
		return info, fmt.Errorf("restore: %w", err)
	}
	aside, err := setAside(l.DB, now)
	if err != nil {
		return info, fmt.Errorf("restore: keep the old database aside: %w", err)
	}
	info.KeptAside = aside
	if err := os.Rename(tmp, l.DB); err != nil {
		return info, fmt.Errorf("restore: %w", err)
	}
	if err := syncDir(filepath.Dir(l.DB)); err != nil {
		return info, fmt.Errorf("restore: sync folder: %w", err)
	}
	if err := l.Mark(StateStopped, "restored-from="+from); err != nil {
		return info, fmt.Errorf("restore: %w", err)
	}
	info.Took = time.Since(start)
	return info, nil
}

// setAside moves the database's -wal and -shm to "<db>.replaced-<time>"
// names and links the database itself there, so the old history stays
// whole (a -wal belongs to its database) and the database path is never
// empty until the snapshot is renamed over it. It returns the new name of
// the database, or "" when there was none.
func setAside(db string, now time.Time) (string, error) {
	aside := db + ".replaced-" + now.UTC().Format("20060102T150405Z")
	dbExists, err := exists(db)
	if err != nil {
		return "", err
	}
	if dbExists {
		if err := os.Link(db, aside); err != nil {
			return "", err
		}
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		ok, err := exists(db + suffix)
		if err != nil {
			return "", err
		}
		if ok {
			if err := os.Rename(db+suffix, aside+suffix); err != nil {
				return "", err
			}
		}
	}
	if !dbExists {
		return "", nil
	}
	return aside, nil
}

// copyFile copies src to a new file dst, owner-only, and syncs it.
func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}
