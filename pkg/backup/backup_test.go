package backup

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// syncBuffer is a log sink safe for the loop's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

// liveStore opens a real database with a few results in it.
func liveStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := st.StartWriter(store.WriterOptions{})
	w.Write([]status.Result{{Check: "api", Zone: "local", Start: time.Now(), Duration: time.Millisecond, Outcome: status.Up}}, nil)
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// start runs b until the test ends.
func start(t *testing.T, b *Backups) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not waiting for readiness
	}
}

func TestRunTakesVerifiedSnapshotsAndThins(t *testing.T) {
	st := liveStore(t)
	dir := filepath.Join(t.TempDir(), "backups")
	b, err := New(Options{DB: st.Path(), Dir: dir, Interval: 20 * time.Millisecond, Keep: Retention{}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, b)
	seen := map[time.Time]bool{}
	eventually(t, "three snapshots", func() bool {
		s := b.Status()
		if !s.Last.At.IsZero() {
			seen[s.Last.At] = true
		}
		return len(seen) >= 3 && s.Kept == 1
	})
	all, err := List(dir)
	if err != nil || len(all) == 0 {
		t.Fatalf("List: %v, %v", all, err)
	}
	for _, s := range all {
		if _, err := store.VerifySnapshot(context.Background(), s.Path); err != nil {
			t.Errorf("listed snapshot does not verify: %v", err)
		}
	}
	s := b.Status()
	if s.LastErr != nil || s.Failures != 0 || s.Last.Size == 0 {
		t.Errorf("status %+v", s)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("folder mode: %v %v", fi.Mode(), err)
	}
}

func TestFailureIsLoggedOnceAndRetried(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "later.db") // not there yet: every attempt fails
	var logs syncBuffer
	b, err := New(Options{DB: db, Dir: filepath.Join(dir, "backups"), Interval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), retryMin: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start(t, b)
	eventually(t, "several failures", func() bool { return b.Status().Failures >= 3 })
	if n := logs.count("snapshot failed"); n != 1 {
		t.Errorf("failure logged %d times, want once per episode", n)
	}
	if b.Status().LastErr == nil {
		t.Error("LastErr is nil while failing")
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eventually(t, "recovery", func() bool { return b.Status().LastErr == nil && !b.Status().Last.At.IsZero() })
	eventually(t, "recovery logged", func() bool { return logs.count("snapshots work again") == 1 })
}

func TestCommandGetsPathAndIsRetried(t *testing.T) {
	st := liveStore(t)
	dir := t.TempDir()
	copies := filepath.Join(dir, "offsite")
	os.Mkdir(copies, 0o700)
	tries := filepath.Join(dir, "tries")
	// The documented shell form: the snapshot path is $0. It fails twice,
	// then copies the snapshot "off-site".
	script := `echo x >> "$TRIES"; [ $(wc -l < "$TRIES") -gt 2 ] || { echo "remote unreachable" >&2; exit 3; }; cp "$0" "$COPIES"/`
	t.Setenv("TRIES", tries)
	t.Setenv("COPIES", copies)
	var logs syncBuffer
	b, err := New(Options{DB: st.Path(), Dir: filepath.Join(dir, "backups"), Interval: time.Hour,
		Command: []string{"sh", "-c", script}, CommandTimeout: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), retryMin: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// No snapshot in the folder: the first is due an interval after
	// start; take one by hand as Run would.
	go b.runCommands(t.Context())
	if err := b.take(t.Context()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the copy off-site", func() bool {
		entries, _ := os.ReadDir(copies)
		return len(entries) == 1 && b.Status().CommandOK
	})
	s := b.Status()
	if s.CommandFailures != 2 {
		t.Errorf("command failures %d, want 2", s.CommandFailures)
	}
	if logs.count("remote unreachable") != 2 || logs.count("exit 3") != 2 || logs.count("backup command done") != 1 {
		t.Errorf("log does not show the failures' output and exit status:\n%s", logs.buf.String())
	}
}

// TestOverdueSnapshotIsTakenAtOnce: the schedule follows the newest
// snapshot in the folder, so a server down for longer than the interval
// takes one as soon as it starts.
func TestOverdueSnapshotIsTakenAtOnce(t *testing.T) {
	st := liveStore(t)
	dir := filepath.Join(t.TempDir(), "backups")
	os.MkdirAll(dir, 0o700)
	old := time.Now().Add(-2 * time.Hour)
	if _, err := store.Snapshot(context.Background(), st.Path(), filepath.Join(dir, Name(old))); err != nil {
		t.Fatal(err)
	}
	b, err := New(Options{DB: st.Path(), Dir: dir, Interval: time.Hour, Keep: Retention{All: 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if s := b.Status(); s.Kept != 1 || !s.Last.At.Equal(old.UTC().Truncate(time.Millisecond)) {
		t.Fatalf("status before the first run: %+v", s)
	}
	start(t, b)
	eventually(t, "the overdue snapshot", func() bool { return b.Status().Kept == 2 })
}
