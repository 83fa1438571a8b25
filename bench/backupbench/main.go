// Command backupbench measures snapshots, restores and the start-up
// quick_check on a database with a month of history: by default 30 days
// of results for 1,000 checks every 60 s (43.2 million results), written
// through the store's own writer.
//
//	go run ./bench/backupbench -dir /var/tmp/ampel-backupbench
//
// The database is generated once into -dir and reused by later runs
// (-regenerate forces a new one). It prints one line per figure.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

func main() {
	dir := flag.String("dir", filepath.Join(os.TempDir(), "ampel-backupbench"), "folder for the database, snapshot and restore")
	checks := flag.Int("checks", 1000, "checks")
	interval := flag.Duration("interval", time.Minute, "check interval")
	days := flag.Int("days", 30, "days of history")
	regenerate := flag.Bool("regenerate", false, "generate the database even if it exists")
	flag.Parse()
	if err := run(*dir, *checks, *interval, *days, *regenerate); err != nil {
		log.Fatal(err)
	}
}

func run(dir string, checks int, interval time.Duration, days int, regenerate bool) error {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	db := filepath.Join(dir, "ampel.db")
	if _, err := os.Stat(db); err != nil || regenerate {
		for _, f := range []string{db, db + "-wal", db + "-shm"} {
			os.Remove(f)
		}
		if err := generate(ctx, db, checks, interval, days); err != nil {
			return err
		}
	}
	fi, err := os.Stat(db)
	if err != nil {
		return err
	}
	fmt.Printf("database: %s, %.3f GiB (%d bytes)\n", db, gib(fi.Size()), fi.Size())

	// Start-up: store.Open runs quick_check; OpenReadOnly does not, and
	// shows what opening costs without it.
	t0 := time.Now()
	ro, err := store.OpenReadOnly(ctx, db)
	if err != nil {
		return err
	}
	ro.Close()
	fmt.Printf("open without quick_check: %v\n", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	fmt.Printf("store.Open with quick_check: %v\n", time.Since(t0).Round(time.Millisecond))

	snap, err := snapshotUnderLoad(ctx, st, filepath.Join(dir, "snapshot.db"))
	st.Close()
	if err != nil {
		return err
	}
	t0 = time.Now()
	if _, err := store.VerifySnapshot(ctx, snap); err != nil {
		return err
	}
	fmt.Printf("of which integrity_check of the snapshot (measured again alone): %v\n", time.Since(t0).Round(time.Millisecond))
	return restore(ctx, dir, snap)
}

// snapshotUnderLoad takes a snapshot while the writer commits 1,000
// results a second, and reports the writer's slowest commit meanwhile.
func snapshotUnderLoad(ctx context.Context, st *store.Store, out string) (string, error) {
	os.Remove(out)
	var slowest atomic.Int64
	w := st.StartWriter(store.WriterOptions{OnCommit: func(ci store.CommitInfo) {
		if d := int64(ci.Took); d > slowest.Load() {
			slowest.Store(d)
		}
	}})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		at := time.Now()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			rs := make([]status.Result, 10)
			for j := range rs {
				rs[j] = status.Result{Check: fmt.Sprintf("live-%02d", j), Zone: "local", Start: at.Add(time.Duration(i) * time.Millisecond), Duration: time.Millisecond, Outcome: status.Up}
			}
			w.Write(rs, nil)
		}
	}()
	info, err := store.Snapshot(ctx, st.Path(), out)
	close(stop)
	wg.Wait()
	if cerr := w.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	fmt.Printf("snapshot (VACUUM INTO + fsync + integrity_check + rename): %v, %.3f GiB (%d bytes)\n", info.Took.Round(time.Millisecond), gib(info.Size), info.Size)
	fmt.Printf("slowest writer commit during the snapshot (1,000 results/s): %v\n", time.Duration(slowest.Load()).Round(time.Millisecond))
	return out, nil
}

// restore installs the snapshot as a new database and opens it as serve
// would.
func restore(ctx context.Context, dir, snap string) error {
	rdir := filepath.Join(dir, "restored")
	os.RemoveAll(rdir)
	if err := os.MkdirAll(rdir, 0o750); err != nil {
		return err
	}
	target := filepath.Join(rdir, "ampel.db")
	lock, err := store.AcquireLock(target)
	if err != nil {
		return err
	}
	info, err := store.Restore(ctx, lock, snap, time.Now())
	lock.Release()
	if err != nil {
		return err
	}
	fmt.Printf("restore (copy + fsync + integrity_check + rename): %v\n", info.Took.Round(time.Millisecond))
	t0 := time.Now()
	st, err := store.Open(ctx, target)
	if err != nil {
		return err
	}
	fmt.Printf("first store.Open of the restored database (quick_check, WAL on): %v\n", time.Since(t0).Round(time.Millisecond))
	st.Close()
	os.RemoveAll(rdir)
	return nil
}

func gib(n int64) float64 { return float64(n) / (1 << 30) }
