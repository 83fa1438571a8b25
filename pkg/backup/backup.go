package backup

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// Options configure scheduled snapshots.
type Options struct {
	// DB is the database to snapshot; Dir the folder snapshots go into.
	DB, Dir string
	// Interval between snapshots.
	Interval time.Duration
	Keep     Retention
	// Command, when set, runs after each verified snapshot with the
	// snapshot's path appended as its last argument (no shell).
	Command []string
	// CommandTimeout bounds one run of Command.
	CommandTimeout time.Duration
	Logger         *slog.Logger

	// retryMin is the first wait after a failure, doubling up to the
	// interval; default 10s. Tests shorten it.
	retryMin time.Duration
}

// Status is what the last attempts came to, for metrics and the console.
type Status struct {
	// Last is the newest verified snapshot; zero before the first.
	Last Snapshot
	// LastTook is how long taking Last took.
	LastTook time.Duration
	// LastErr is the error of the last attempt; nil when it succeeded.
	LastErr error
	// Failures counts failed snapshot attempts since start.
	Failures uint64
	// Kept is the number of snapshots in the folder after thinning.
	Kept int
	// CommandOK is false while the command has not succeeded for the
	// newest snapshot; CommandFailures counts failed runs.
	CommandOK       bool
	CommandFailures uint64
}

// Backups runs scheduled snapshots. Build with New, run with Run.
type Backups struct {
	opts  Options
	log   *slog.Logger
	cmdCh chan string

	mu     sync.Mutex
	status Status
}

// New prepares scheduled snapshots. The folder is created with owner-only
// permissions, and snapshots a crash left half-written are removed.
func New(opts Options) (*Backups, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.retryMin == 0 {
		opts.retryMin = 10 * time.Second
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("backup folder: %w", err)
	}
	if n, err := removeTemps(opts.Dir); err != nil {
		return nil, fmt.Errorf("backup folder: %w", err)
	} else if n > 0 {
		opts.Logger.Info("removed half-written snapshots", "files", n, "dir", opts.Dir)
	}
	b := &Backups{opts: opts, log: opts.Logger, cmdCh: make(chan string, 1)}
	b.status.CommandOK = true
	if last, ok, err := Latest(opts.Dir); err != nil {
		return nil, err
	} else if ok {
		b.status.Last = last
	}
	all, err := List(opts.Dir)
	if err != nil {
		return nil, err
	}
	b.status.Kept = len(all)
	return b, nil
}

// Status returns a copy of the current status.
func (b *Backups) Status() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// Run takes snapshots until ctx ends. The first is due one interval after
// the newest snapshot in the folder (at once if that is past), so a
// restart does not reset the schedule. A failed attempt is logged once per
// episode and retried with a growing wait, at most the interval.
func (b *Backups) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if len(b.opts.Command) > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); b.runCommands(ctx) }()
	}
	defer wg.Wait()
	next := time.Now().Add(b.opts.Interval)
	if last := b.Status().Last; !last.At.IsZero() {
		// A snapshot "from the future" (the clock was set back) must
		// not postpone the next one beyond an interval.
		if due := last.At.Add(b.opts.Interval); due.Before(next) {
			next = due
		}
	}
	first := min(b.opts.retryMin, b.opts.Interval)
	wait, failing := first, false
	for {
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		err := b.take(ctx)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil:
			if failing {
				b.log.Info("snapshots work again")
			}
			failing, wait = false, first
			next = time.Now().Add(b.opts.Interval)
		default:
			if !failing {
				b.log.Error("snapshot failed; retrying", "err", err, "dir", b.opts.Dir)
			}
			failing = true
			next = time.Now().Add(wait)
			wait = min(2*wait, b.opts.Interval)
		}
	}
}

// take makes one snapshot, thins the folder and hands the snapshot to the
// command.
func (b *Backups) take(ctx context.Context) error {
	now := time.Now()
	path := filepath.Join(b.opts.Dir, Name(now))
	info, err := store.Snapshot(ctx, b.opts.DB, path)
	if err != nil {
		b.mu.Lock()
		b.status.LastErr = err
		b.status.Failures++
		b.mu.Unlock()
		return err
	}
	snap := Snapshot{Path: path, At: now, Size: info.Size}
	b.log.Debug("snapshot taken", "path", path, "bytes", info.Size, "took", info.Took.String())
	kept, err := b.thin(now)
	if err != nil {
		// The snapshot is good; the folder grows until this is fixed.
		b.log.Warn("thin snapshots", "err", err, "dir", b.opts.Dir)
	}
	b.mu.Lock()
	b.status.Last, b.status.LastTook, b.status.LastErr = snap, info.Took, nil
	b.status.Kept = kept
	b.mu.Unlock()
	if len(b.opts.Command) > 0 {
		// Only the newest snapshot matters: replace one still waiting.
		select {
		case <-b.cmdCh:
		default:
		}
		b.cmdCh <- path
	}
	return nil
}

// thin deletes what the retention policy no longer keeps. It runs only
// after a snapshot verified, and the policy always keeps the newest, so a
// failing snapshot never costs an old one.
func (b *Backups) thin(now time.Time) (int, error) {
	all, err := List(b.opts.Dir)
	if err != nil {
		return 0, err
	}
	keep, drop := b.opts.Keep.Thin(all, now)
	for _, s := range drop {
		if err := os.Remove(s.Path); err != nil {
			return len(keep), fmt.Errorf("remove old snapshot: %w", err)
		}
	}
	return len(keep), nil
}
