package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/backup"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

const (
	crashChecks = 20
	seedResults = 150_000
)

// writeStreamConfig writes a config with crashChecks checks probing
// target every second (a steady stream of results) and snapshots every
// second.
func writeStreamConfig(t *testing.T, dir, target string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[server]\nlisten = \"127.0.0.1:0\"\n\n[storage]\npath = \"ampel.db\"\n\n")
	b.WriteString("[backup]\ndir = \"backups\"\ninterval = \"1s\"\nkeep_all = \"0s\"\nkeep_daily = 0\nkeep_weekly = 0\n\n")
	b.WriteString("[[components]]\nslug = \"api\"\nname = \"API\"\n")
	for i := range crashChecks {
		fmt.Fprintf(&b, "  [[components.checks]]\n  name = \"c%02d\"\n  kind = \"http\"\n  target = %q\n  interval = \"1s\"\n  timeout = \"1s\"\n", i, target)
	}
	path := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// seed gives the database older history, so that a snapshot takes long
// enough for kills to land in the middle of one.
func seed(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	w := st.StartWriter(store.WriterOptions{})
	start := time.Now().Add(-48 * time.Hour)
	batch := make([]status.Result, 0, 1000)
	for i := range seedResults {
		batch = append(batch, status.Result{Check: fmt.Sprintf("old-%03d", i%100), Zone: "local",
			Start: start.Add(time.Duration(i/100) * time.Second), Duration: 30 * time.Millisecond, Outcome: status.Up,
			Detail: "seeded history to give the snapshot some work"})
		if len(batch) == cap(batch) {
			w.Write(batch, nil)
			batch = batch[:0]
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// committed counts the results of the stream's checks a running server
// has committed that started before the given instant, reading its
// database read-only.
func committed(t *testing.T, db string, before time.Time) int {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenReadOnly(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := 0
	names := []string{}
	for i := range crashChecks {
		names = append(names, fmt.Sprintf("c%02d", i))
	}
	for _, name := range names {
		rs, err := st.Results(ctx, name, time.Unix(0, 0), before, 0)
		if err != nil {
			t.Fatal(err)
		}
		n += len(rs)
	}
	return n
}

// waitForMore polls the database until the running server has committed
// more of the stream's results than before. A loaded machine may take
// seconds to start a server; a stream that has not moved in a minute is
// broken.
func waitForMore(t *testing.T, db string, before, cycle int, stderr fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if committed(t, db, time.Now()) > before {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling for the first commit
	}
	t.Fatalf("cycle %d: no result committed within a minute of the start\n%s", cycle, stderr.String())
}

// waitForTemp polls dir until a snapshot being written appears.
func waitForTemp(dir string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if store.IsTemp(e.Name()) {
				return true
			}
		}
		time.Sleep(time.Millisecond) // polling for the moment to kill
	}
	return false
}

// TestCrashDuringIngestAndSnapshots kills a real server 20 times at
// random moments, half of them while a snapshot is being written. After
// every restart the database passes integrity_check, every result counted
// as committed before the kill is still there, and the folder lists only
// snapshots that verify.
func TestCrashDuringIngestAndSnapshots(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server 20 times")
	}
	const cycles = 20
	seedRand := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seedRand)
	rng := rand.New(rand.NewPCG(seedRand, 1))
	target, _ := flipTarget(t)
	dir := t.TempDir()
	cfgPath := writeStreamConfig(t, dir, target.URL)
	db := filepath.Join(dir, "ampel.db")
	backups := filepath.Join(dir, "backups")
	seed(t, db)

	want, killedMidSnapshot := 0, 0
	var lastKill time.Time
	for cycle := range cycles {
		cmd, _, stderr := startAmpel(t, cfgPath)
		if cycle > 0 {
			ro, err := store.OpenReadOnly(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			if err := ro.IntegrityCheck(context.Background()); err != nil {
				t.Fatalf("cycle %d: %v", cycle, err)
			}
			ro.Close()
			if got := committed(t, db, lastKill); got < want {
				t.Fatalf("cycle %d: %d results from before the kill, %d were committed\n%s", cycle, got, want, stderr.String())
			}
		}
		if cycle%2 == 0 {
			// The stream must flow again after every restart: wait for
			// this run's first commit, so that the kill below lands in
			// the middle of ingest rather than before it starts.
			waitForMore(t, db, want, cycle, stderr)
		}
		// What the server has committed so far must survive the kill.
		lastKill = time.Now()
		want = committed(t, db, lastKill)
		if cycle%2 == 1 {
			// Kill while a snapshot is being written.
			if !waitForTemp(backups, 5*time.Second) {
				t.Fatalf("cycle %d: no snapshot started within 5s", cycle)
			}
		} else {
			// Kill at a random moment of ingest.
			time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		entries, _ := os.ReadDir(backups)
		for _, e := range entries {
			if store.IsTemp(e.Name()) {
				killedMidSnapshot++
				break
			}
		}
		good, err := backup.List(backups)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range good {
			if _, err := store.VerifySnapshot(context.Background(), s.Path); err != nil {
				t.Fatalf("cycle %d: a listed snapshot does not verify: %v", cycle, err)
			}
		}
	}
	if killedMidSnapshot < cycles/4 {
		t.Errorf("only %d of %d kills left a half-written snapshot; the test did not exercise them", killedMidSnapshot, cycles)
	}
	t.Logf("%d of %d kills left a half-written snapshot behind; none was listed", killedMidSnapshot, cycles)
	t.Logf("%d streamed results committed before the last kill, all kept", want)

	// The last start cleans up after the last kill.
	cmd, _, stderr := startAmpel(t, cfgPath)
	if got := committed(t, db, lastKill); got < want {
		t.Fatalf("after the last kill: %d results, %d were committed", got, want)
	}
	ro, err := store.OpenReadOnly(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	total, err := ro.CountResults(context.Background())
	ro.Close()
	if err != nil || total < int64(seedResults+want) {
		t.Fatalf("%d results in all (%v), want the %d seeded and %d streamed", total, err, seedResults, want)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final stop: %v\n%s", err, stderr.String())
	}
}
