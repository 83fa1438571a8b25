package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/backup"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/store"
)

// TestBackupAndRestoreCommands runs the commands against a live server:
// backup works while it serves, restore refuses to touch its database.
func TestBackupAndRestoreCommands(t *testing.T) {
	target, _ := flipTarget(t)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, target.URL)
	db := filepath.Join(dir, "ampel.db")
	cmd, base, _ := startAmpel(t, cfgPath)
	eventually(t, 10*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })

	out := filepath.Join(dir, "manual.db")
	code, stdout, stderr := runAmpel(t, "backup", "--config", cfgPath, "--out", out)
	if code != 0 || !strings.Contains(stdout, "Wrote "+out) || !strings.Contains(stdout, "verified") {
		t.Fatalf("backup: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := store.VerifySnapshot(context.Background(), out); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"backup onto an existing file", []string{"backup", "--config", cfgPath, "--out", out}, 1, "already exists"},
		{"backup onto the database", []string{"backup", "--config", cfgPath, "--out", db}, 1, "database's own file"},
		{"backup into a missing folder", []string{"backup", "--config", cfgPath, "--out", filepath.Join(dir, "no", "x.db")}, 1, "no such file"},
		{"restore under a running server", []string{"restore", "--config", cfgPath, "--from", out}, 1, "refusing to replace the database of a running server"},
		{"backup without --out", []string{"backup", "--config", cfgPath}, 2, "--out FILE are required"},
		{"restore without --from", []string{"restore", "--config", cfgPath}, 2, "--from FILE are required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var o, e bytes.Buffer
			if code := run(context.Background(), c.args, nil, &o, &e); code != c.code || !strings.Contains(e.String(), c.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, e.String(), c.code, c.want)
			}
		})
	}
	// A second server on the same database is refused too.
	if code, _, stderr := runAmpel(t, "serve", "--config", cfgPath); code != 1 || !strings.Contains(stderr, "another ampel serve is using the database") {
		t.Fatalf("second server: exit %d\n%s", code, stderr)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	code, stdout, stderr = runAmpel(t, "restore", "--config", cfgPath, "--from", out)
	if code != 0 || !strings.Contains(stdout, "The replaced database is kept as "+db+".replaced-") {
		t.Fatalf("restore: exit %d\n%s%s", code, stdout, stderr)
	}
}

// damagedStart makes a real database with history and a snapshot of it,
// stops the server with sig, damages the database with damage and starts
// again: the start must be refused, naming the snapshot and the restore
// command.
func damagedStart(t *testing.T, sig syscall.Signal, damage func(t *testing.T, db string), want string) {
	t.Helper()
	target, _ := flipTarget(t)
	dir := t.TempDir()
	cfgPath := writeBackupConfig(t, dir, target.URL)
	db := filepath.Join(dir, "ampel.db")
	cmd, base, _ := startAmpel(t, cfgPath)
	eventually(t, 10*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })
	var snap backup.Snapshot
	eventually(t, 10*time.Second, "a snapshot", func() bool {
		s, ok, _ := backup.Latest(filepath.Join(dir, "data", "backups"))
		snap = s
		return ok
	})
	cmd.Process.Signal(sig)
	cmd.Wait()
	damage(t, db)
	code, _, stderr := runAmpel(t, "serve", "--config", cfgPath)
	t.Logf("refused start:\n%s", stderr)
	if code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d, want 1 and %q:\n%s", code, want, stderr)
	}
	// The newest snapshot: one may have been taken between our look and
	// the kill.
	latest, _, _ := backup.Latest(filepath.Join(dir, "data", "backups"))
	if latest.At.Before(snap.At) || !strings.Contains(stderr, "ampel restore --config "+cfgPath+" --from "+latest.Path) {
		t.Fatalf("the message does not name the latest snapshot %s and the restore command:\n%s", latest.Path, stderr)
	}
}

func TestStartRefusesDamagedDatabase(t *testing.T) {
	pageSize := 4096 // SQLite's default, which the store keeps
	t.Run("truncated", func(t *testing.T) {
		damagedStart(t, syscall.SIGTERM, func(t *testing.T, db string) {
			fi, err := os.Stat(db)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() < int64(3*pageSize) {
				t.Fatalf("database only %d bytes", fi.Size())
			}
			os.Truncate(db, fi.Size()-int64(pageSize)-100)
		}, "refusing to serve damaged history")
	})
	t.Run("flipped bytes in a page", func(t *testing.T) {
		damagedStart(t, syscall.SIGTERM, func(t *testing.T, db string) {
			b, err := os.ReadFile(db)
			if err != nil {
				t.Fatal(err)
			}
			// The b-tree page header of page 2: type, freeblock, cell count.
			for i := pageSize; i < pageSize+8; i++ {
				b[i] ^= 0x5A
			}
			os.WriteFile(db, b, 0o600)
		}, "refusing to serve damaged history")
	})
	t.Run("missing -wal after a crash", func(t *testing.T) {
		damagedStart(t, syscall.SIGKILL, func(t *testing.T, db string) {
			if err := os.Remove(db + "-wal"); err != nil {
				t.Fatalf("a killed server left no -wal to lose: %v", err)
			}
		}, "write-ahead log")
	})
}

// TestBackupMetricsShowFailure: a snapshot that cannot be taken shows in
// /metrics as not ok, counted, with its age growing from the start.
func TestBackupMetricsShowFailure(t *testing.T) {
	dir := t.TempDir()
	cfg, err := loadConfig(writeBackupConfig(t, dir, "http://127.0.0.1:1/"))
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	// The database does not exist: every attempt fails.
	_, stop, err := startBackups(cfg, filepath.Join(dir, "missing.db"), m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	value := func(name string) float64 {
		mfs, err := m.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == name {
				if c := mf.GetMetric()[0].GetCounter(); c != nil {
					return c.GetValue()
				}
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatalf("no metric %s", name)
		return 0
	}
	eventually(t, 10*time.Second, "a failed snapshot in the metrics", func() bool {
		return value("ampel_backup_failures_total") >= 1 && value("ampel_backup_last_ok") == 0
	})
	if v := value("ampel_backup_last_success_timestamp_seconds"); v != 0 {
		t.Errorf("last success %v without a snapshot", v)
	}
	if v := value("ampel_backup_age_seconds"); v <= 0 {
		t.Errorf("age %v, want it counted from the start", v)
	}
}
