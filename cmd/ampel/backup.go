package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ampelstatus/ampel/pkg/backup"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/store"
)

// fileFlags parses "--config PATH --<name> FILE", both required. ok is
// false after a usage error, which has been reported.
func fileFlags(cmd, name, help string, args []string, stderr io.Writer) (cfgPath, file string, code int, ok bool) {
	fs := flag.NewFlagSet("ampel "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := fs.String("config", "", "path of the TOML config file")
	f := fs.String(name, "", help)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", "", 0, false
		}
		return "", "", 2, false
	}
	if *c == "" || *f == "" || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ampel %s: --config PATH and --%s FILE are required and it takes no other arguments\n", cmd, name)
		return "", "", 2, false
	}
	return *c, *f, 0, true
}

// backupCmd writes a verified snapshot of the configured database, which
// a server may be using at the same time.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfgPath, out, code, ok := fileFlags("backup", "out", "file to write the snapshot to (must not exist)", args, stderr)
	if !ok {
		return code
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if !refusePostgresBackup("backup", cfg, stderr) {
		return 1
	}
	fmt.Fprintf(stdout, "Snapshotting %s to %s ...\n", cfg.Storage.Path, out)
	info, err := store.Snapshot(ctx, cfg.Storage.Path, out)
	if err != nil {
		fmt.Fprintf(stderr, "ampel backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Wrote %s: %s in %s, verified (integrity_check ok, schema %d, newest result %s).\n",
		info.Path, humanBytes(info.Size), info.Took.Round(time.Millisecond), info.SchemaVersion, when(info.LastResultAt))
	return 0
}

// restoreCmd installs a snapshot as the configured database.
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfgPath, from, code, ok := fileFlags("restore", "from", "snapshot file to restore", args, stderr)
	if !ok {
		return code
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if !refusePostgresBackup("restore", cfg, stderr) {
		return 1
	}
	db := cfg.Storage.Path
	if err := os.MkdirAll(filepath.Dir(db), 0o750); err != nil {
		fmt.Fprintf(stderr, "ampel restore: %v\n", err)
		return 1
	}
	lock, err := store.AcquireLock(db)
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "ampel restore: refusing to replace the database of a running server: %v. Stop ampel serve first.\n", err)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "ampel restore: %v\n", err)
		return 1
	}
	defer lock.Release()
	fmt.Fprintf(stdout, "Verifying %s and installing it as %s ...\n", from, db)
	info, err := store.Restore(ctx, lock, from, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "ampel restore: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Restored %s (%s, schema %d) in %s.\n", from, humanBytes(info.Size), info.SchemaVersion, info.Took.Round(time.Millisecond))
	fmt.Fprintf(stdout, "Its newest result is from %s; the next start records the time since then as no data.\n", when(info.LastResultAt))
	if info.KeptAside != "" {
		fmt.Fprintf(stdout, "The replaced database is kept as %s (with its -wal and -shm, if it had them).\n", info.KeptAside)
	}
	fmt.Fprintf(stdout, "Start the server: ampel serve --config %s\n", cfgPath)
	return 0
}

// restoreHint tells the operator of a damaged or lost database which
// snapshot to restore and how.
func restoreHint(cfg *config.Config) string {
	latest, ok, err := backup.Latest(cfg.Backup.Dir)
	switch {
	case err != nil:
		return fmt.Sprintf("the snapshot folder %s cannot be read: %v", cfg.Backup.Dir, err)
	case !ok:
		return fmt.Sprintf("there is no snapshot in %s; restore one from your off-site copies with: ampel restore --config %s --from FILE", cfg.Backup.Dir, cfg.Path)
	}
	return fmt.Sprintf("the latest good snapshot is %s (taken %s); restore it with: ampel restore --config %s --from %s",
		latest.Path, when(latest.At), cfg.Path, latest.Path)
}

// when formats an instant with its age, or "none".
func when(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return fmt.Sprintf("%s, %s ago", t.UTC().Format(time.RFC3339), time.Since(t).Round(time.Second))
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
