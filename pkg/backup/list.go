// Package backup takes scheduled snapshots of the history database inside
// ampel serve: one every interval into a folder, verified before it gets
// its name, thinned by a retention policy only after a newer one verified,
// and optionally handed to an off-site command (rclone, aws s3 cp).
package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// Snapshot is one verified snapshot file in the folder.
type Snapshot struct {
	Path string
	// At is when it was taken, from its name.
	At   time.Time
	Size int64
}

const (
	prefix = "ampel-"
	suffix = ".db"
	// stamp sorts by name in time order and is safe in file names.
	stamp = "20060102T150405.000Z"
)

// Name is the file name of a snapshot taken at t.
func Name(t time.Time) string {
	return prefix + t.UTC().Format(stamp) + suffix
}

// parseName returns the time in a snapshot's name.
func parseName(name string) (time.Time, bool) {
	s, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return time.Time{}, false
	}
	s, ok = strings.CutSuffix(s, suffix)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(stamp, s)
	return t, err == nil
}

// List returns the snapshots in dir, oldest first. Only files named like
// a snapshot count: store.Snapshot gives that name only after the file
// verified, so a file being written (or left half-written by a crash)
// never appears. A missing folder has no snapshots.
func List(dir string) ([]Snapshot, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	var out []Snapshot
	for _, e := range entries {
		at, ok := parseName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed since ReadDir
		}
		out = append(out, Snapshot{Path: filepath.Join(dir, e.Name()), At: at, Size: fi.Size()})
	}
	slices.SortFunc(out, func(a, b Snapshot) int { return a.At.Compare(b.At) })
	return out, nil
}

// Latest returns the newest snapshot in dir; ok is false when there is
// none.
func Latest(dir string) (Snapshot, bool, error) {
	all, err := List(dir)
	if err != nil || len(all) == 0 {
		return Snapshot{}, false, err
	}
	return all[len(all)-1], true, nil
}

// removeTemps deletes snapshots left half-written by a crash.
func removeTemps(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if store.IsTemp(e.Name()) && strings.HasPrefix(e.Name(), "."+prefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
