package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/backup"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// writeBackupConfig is writeConfig with scheduled snapshots every second
// into dir/data/backups.
func writeBackupConfig(t *testing.T, dir, target string) string {
	t.Helper()
	path := writeConfig(t, dir, target)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("\n[backup]\ndir = \"data/backups\"\ninterval = \"1s\"\nkeep_all = \"1h\"\n"); err != nil {
		t.Fatal(err)
	}
	return path
}

// runAmpel runs this test binary as a real ampel process to completion.
func runAmpel(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "AMPEL_TEST_RUN_MAIN=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// readOnlyTimeline returns a subject's recorded levels, read without
// writing to the database (a snapshot, or a running server's).
func readOnlyTimeline(t *testing.T, path string, kind status.Kind, slug string) []status.Change {
	t.Helper()
	st, err := store.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	changes, err := st.Changes(context.Background(), kind, slug, time.Unix(0, 0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return changes
}

// scrape reads /metrics.
func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDisasterRecoveryDrill runs a server with a check, waits for a
// scheduled snapshot holding history, kills the server, loses the
// database, restores the snapshot and starts again: the history up to the
// snapshot is intact, the lost time is recorded as no data, and probing
// resumes.
func TestDisasterRecoveryDrill(t *testing.T) {
	target, _ := flipTarget(t)
	dir := t.TempDir()
	cfgPath := writeBackupConfig(t, dir, target.URL)
	db := filepath.Join(dir, "ampel.db")
	backups := filepath.Join(dir, "data", "backups")
	cmd, base, _ := startAmpel(t, cfgPath)
	eventually(t, 10*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })

	// A scheduled snapshot that holds the up state.
	eventually(t, 15*time.Second, "a scheduled snapshot with history", func() bool {
		latest, ok, err := backup.Latest(backups)
		if err != nil || !ok {
			return false
		}
		return levels(readOnlyTimeline(t, latest.Path, status.Component, "api")) == "no_data>up"
	})

	// Lose the host's database.
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// The newest snapshot now: the server may have taken another since.
	snap, _, err := backup.Latest(backups)
	if err != nil {
		t.Fatal(err)
	}
	inSnapshot := readOnlyTimeline(t, snap.Path, status.Component, "api")
	sum, err := store.VerifySnapshot(context.Background(), snap.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	// Starting on the empty folder is refused, naming the snapshot.
	code, _, stderr := runAmpel(t, "serve", "--config", cfgPath)
	if code != 1 || !strings.Contains(stderr, "is missing") || !strings.Contains(stderr, "ampel restore --config "+cfgPath+" --from "+snap.Path) {
		t.Fatalf("serve without its database: exit %d\n%s", code, stderr)
	}

	code, stdout, stderr := runAmpel(t, "restore", "--config", cfgPath, "--from", snap.Path)
	if code != 0 || !strings.Contains(stdout, "Restored "+snap.Path) {
		t.Fatalf("restore: exit %d\n%s%s", code, stdout, stderr)
	}

	restart := time.Now()
	cmd, base, stderrBuf := startAmpel(t, cfgPath)
	eventually(t, 10*time.Second, "probing resumes", func() bool {
		return levels(readOnlyTimeline(t, db, status.Component, "api")) == "no_data>up up>no_data no_data>up"
	})
	after := readOnlyTimeline(t, db, status.Component, "api")
	for i, c := range inSnapshot {
		if after[i] != c {
			t.Errorf("change %d: %+v after the restore, %+v in the snapshot", i, after[i], c)
		}
	}
	// The time from the snapshot to the restart is no data, from the
	// snapshot's newest result on.
	gap := after[len(inSnapshot)]
	if gap.Cause != "no data: Ampel was not running" || !gap.At.Equal(sum.LastResultAt.Truncate(time.Millisecond)) {
		t.Errorf("gap %+v, want no data from %v", gap, sum.LastResultAt)
	}
	if resumed := after[len(after)-1]; resumed.At.Before(restart) {
		t.Errorf("resumed at %v, before the restart at %v", resumed.At, restart)
	}
	if !observedUp(t, base, "api") {
		t.Error("/metrics does not show api up after the restore")
	}
	eventually(t, 10*time.Second, "a verified snapshot of the restored database in /metrics", func() bool {
		m := scrape(t, base)
		return strings.Contains(m, "ampel_backup_last_ok 1") && !strings.Contains(m, "ampel_backup_last_size_bytes 0\n") &&
			strings.Contains(m, "ampel_backup_failures_total 0")
	})
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderrBuf.String())
	}
}
