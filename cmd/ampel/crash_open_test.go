package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// crashServe runs a real ampel serve until it has committed a state
// change, kills it with SIGKILL and checks that it left a -wal holding
// commits.
func crashServe(t *testing.T, cfgPath, db string) {
	t.Helper()
	cmd, base, _ := startAmpel(t, cfgPath)
	eventually(t, 10*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })
	eventually(t, 10*time.Second, "a committed up state", func() bool {
		return strings.Contains(levels(readOnlyTimeline(t, db, status.Component, "api")), "no_data>up")
	})
	cmd.Process.Kill()
	cmd.Wait()
	if fi, err := os.Stat(db + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("the killed server left no -wal with commits: %v", err)
	}
}

// TestStartAfterACrashAndAnotherOpener: after a SIGKILL, a command that
// opens the database and closes it cleanly folds the -wal into it and
// removes it; nothing is lost, so serve must start (issue 15). A -wal
// that is really lost still refuses the start.
func TestStartAfterACrashAndAnotherOpener(t *testing.T) {
	sqlite3, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Fatalf("the sqlite3 shell is needed (Debian package sqlite3; .ci/run installs it): %v", err)
	}
	target, _ := flipTarget(t)
	openers := []struct {
		name string
		cmd  func(cfgPath, db string) *exec.Cmd
	}{
		{"ampel token create", func(cfgPath, _ string) *exec.Cmd {
			return ampelCmd("token", "create", "--config", cfgPath, "--role", "operator", "--name", "after-crash")
		}},
		{"ampel user add", func(cfgPath, _ string) *exec.Cmd {
			c := ampelCmd("user", "add", "--config", cfgPath, "--email", "ops@example.com", "--role", "admin")
			c.Stdin = strings.NewReader("correct horse battery staple\n")
			return c
		}},
		{"sqlite3 integrity_check", func(_, db string) *exec.Cmd {
			return exec.Command(sqlite3, db, "PRAGMA integrity_check")
		}},
	}
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			dir := t.TempDir()
			cfgPath := writeConfig(t, dir, target.URL)
			db := filepath.Join(dir, "ampel.db")
			crashServe(t, cfgPath, db)
			if out, err := o.cmd(cfgPath, db).CombinedOutput(); err != nil {
				t.Fatalf("%s after the crash: %v\n%s", o.name, err, out)
			}
			if _, err := os.Stat(db + "-wal"); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("%s left the -wal in place (%v): not the case under test", o.name, err)
			}
			_, base, _ := startAmpel(t, cfgPath)
			eventually(t, 10*time.Second, "api observed up after the restart", func() bool { return observedUp(t, base, "api") })
			// The crashed run's history is all there, closed by the recovery.
			eventually(t, 10*time.Second, "the crashed run's history and its close", func() bool {
				return strings.HasPrefix(levels(readOnlyTimeline(t, db, status.Component, "api")), "no_data>up up>no_data")
			})
		})
	}
	t.Run("a lost -wal", func(t *testing.T) {
		dir := t.TempDir()
		cfgPath := writeConfig(t, dir, target.URL)
		db := filepath.Join(dir, "ampel.db")
		crashServe(t, cfgPath, db)
		os.Remove(db + "-wal")
		os.Remove(db + "-shm")
		// Another opener afterwards does not make the loss pass unseen.
		if out, err := ampelCmd("token", "create", "--config", cfgPath, "--role", "operator", "--name", "after-loss").CombinedOutput(); err != nil {
			t.Fatalf("token create: %v\n%s", err, out)
		}
		code, _, stderr := runAmpel(t, "serve", "--config", cfgPath)
		if code != 1 || !strings.Contains(stderr, "write-ahead log") || !strings.Contains(stderr, "are lost") {
			t.Fatalf("serve after a lost -wal: exit %d, want 1 and the data-loss message:\n%s", code, stderr)
		}
	})
}
