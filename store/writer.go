package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// WriterOptions tune a Writer. Zero values take the defaults.
type WriterOptions struct {
	// MaxBatch is the number of results per transaction while the
	// writer keeps up; default 1000. A writer behind by more than two
	// batches takes up to 8 at once.
	// What one Write call passes is never split, so a larger call makes a
	// larger transaction.
	MaxBatch int
	// MaxDelay is the longest a result waits before its batch commits;
	// default 100ms.
	MaxDelay time.Duration
	// MaxQueue is the number of results kept waiting while the store
	// cannot write, besides the batch being retried; default 1,000,000.
	// Beyond it the oldest results are dropped and counted in Dropped.
	// Changes are never dropped.
	MaxQueue int
	// OnCommit, when set, is called from the writer goroutine after every
	// commit attempt (for metrics); it must return quickly.
	OnCommit func(CommitInfo)
	// Logger receives the start and the end of a failure episode; default:
	// discard.
	Logger *slog.Logger
	// Alerts, when set, routes each change to alert channels: the alerts
	// are queued in the transaction that stores the change, and
	// AlertWake is signalled after it commits.
	Alerts AlertRouter

	// retryMin and retryMax bound the backoff between attempts to commit
	// a failed batch (default 100ms to 5s); tests shorten them.
	retryMin, retryMax time.Duration
}

// CommitInfo describes one attempt to commit a batch.
type CommitInfo struct {
	// Results and Changes are the numbers of each in the batch.
	Results, Changes int
	// Took is how long the attempt took.
	Took time.Duration
	// Err is nil when the batch committed.
	Err error
}

// Writer stores results and state changes in batches from one goroutine,
// so callers never wait for the disk. Its methods are safe for concurrent
// use.
type Writer struct {
	s    *Store
	opts WriterOptions
	log  *slog.Logger

	mu sync.Mutex
	// pending are the items not yet taken into a batch, oldest first;
	// pendingResults counts their results. Guarded by mu.
	pending        []*item
	pendingResults int
	// inflightResults and inflightChanges count the batch being committed
	// or retried. Guarded by mu.
	inflightResults, inflightChanges int
	// inflightCloses is set while that batch is a stop's closes (see
	// WriteStop). Guarded by mu.
	inflightCloses bool
	// lastSeq numbers Write calls; committedSeq is the highest number
	// whose item and every earlier one committed (or lost all it had to
	// the MaxQueue bound); flushSeq is what a Flush waits for. Guarded by
	// mu.
	lastSeq, committedSeq, flushSeq uint64
	// committedCh is closed and replaced after every commit. Guarded by mu.
	committedCh chan struct{}
	// lastErr is the error of the latest failed commit, nil after a
	// success. Guarded by mu.
	lastErr error
	// closing is set by Close; closedWrite by the first Write after it;
	// dropping from the first drop to the next commit. The last two log
	// once. Guarded by mu.
	closing, closedWrite, dropping bool

	kick      chan struct{} // wakes the goroutine; capacity 1
	abort     chan struct{} // closed when Close gives up
	abortOnce sync.Once
	done      chan struct{} // closed when the goroutine has returned
	// ctx is cancelled on abort, interrupting a running statement.
	ctx    context.Context
	cancel context.CancelFunc

	healthy atomic.Bool
	dropped atomic.Uint64
	// fence is what Write stamps on each item (see SetFence); fenced
	// counts the results of batches refused with ErrFenced, and
	// fencedFrom..fencedTo is the latest run of item numbers refused.
	// The range is guarded by mu.
	fence                atomic.Pointer[Fence]
	fenced               atomic.Uint64
	fencedFrom, fencedTo uint64

	ids *nameIDs // owned by the goroutine
}

// item is what one Write call passed: it commits in one transaction.
type item struct {
	seq     uint64
	arrived time.Time
	results []status.Result
	changes []status.Change
	fence   *Fence // the term it was written for; nil: unfenced
	// stoppedAt, when not 0, records that a clean stop ended
	// observation then (Unix ms; see WriteStop); clearStop removes the
	// record, in the transaction that stores the closes.
	stoppedAt int64
	clearStop bool
	// closes marks the closing changes of a stop: they commit in a batch
	// of their own, and Close may leave them to the next start.
	closes bool
}

// StartWriter starts the store's one writer goroutine. Calling it again
// returns the running Writer and ignores opts.
func (s *Store) StartWriter(opts WriterOptions) *Writer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writer != nil {
		return s.writer
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1000
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = 100 * time.Millisecond
	}
	if opts.MaxQueue <= 0 {
		opts.MaxQueue = 1_000_000
	}
	if opts.retryMin <= 0 {
		opts.retryMin = 100 * time.Millisecond
	}
	if opts.retryMax <= 0 {
		opts.retryMax = 5 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Writer{
		s: s, opts: opts, log: log,
		committedCh: make(chan struct{}),
		kick:        make(chan struct{}, 1),
		abort:       make(chan struct{}),
		done:        make(chan struct{}),
		ctx:         ctx,
		cancel:      cancel,
		ids:         newNameIDs(),
	}
	w.healthy.Store(true)
	s.writer = w
	go w.run()
	return w
}

// Write queues results and the state changes they caused; everything
// passed in one call commits in one transaction. It never waits for the
// database. It copies the slices, so the caller may reuse them. A result
// with the same check, zone, instance and start (to the millisecond) as a
// stored one is taken for a resend and not stored again. Changes of an
// unknown kind or level are logged and left out. After Close, Write stores
// nothing and counts the results as dropped.
func (w *Writer) Write(results []status.Result, changes []status.Change) {
	it := w.newItem(changes)
	it.results = slices.Clone(results)
	if len(it.results) == 0 && len(it.changes) == 0 {
		return
	}
	w.queue(it)
}

// WriteStop queues what a clean stop records: first, in a transaction
// that commits at once, that observation ended at at; then closes, the
// changes that close every open subject at at, in a transaction of their
// own. When Close cannot commit the closes in time (201,000 rows at
// 100,000 checks), it leaves them: the next start writes the same closes
// (see StoppedAt and WriteRecovery).
func (w *Writer) WriteStop(at time.Time, closes []status.Change) {
	mark := w.newItem(nil)
	mark.stoppedAt = ms(at)
	w.queue(mark)
	it := w.newItem(closes)
	it.clearStop, it.closes = true, true
	w.queue(it)
}

// WriteRecovery queues the changes a start writes to close what an
// earlier run left open, and removes the record of a clean stop (see
// WriteStop) in the same transaction.
func (w *Writer) WriteRecovery(closes []status.Change) {
	it := w.newItem(closes)
	it.clearStop = true
	w.queue(it)
}

// newItem returns an item of the valid changes, stamped with the fence.
func (w *Writer) newItem(changes []status.Change) *item {
	it := &item{arrived: time.Now(), fence: w.fence.Load()}
	if len(changes) > 0 {
		it.changes = make([]status.Change, 0, len(changes))
	}
	for _, c := range changes {
		if err := validChange(c); err != nil {
			w.log.Error("store: invalid state change not stored", "err", err,
				"kind", c.Kind.String(), "subject", c.Subject, "zone", c.Zone)
			continue
		}
		it.changes = append(it.changes, c)
	}
	return it
}

// queue adds it to the queue and wakes the writer.
func (w *Writer) queue(it *item) {
	w.mu.Lock()
	if w.closing {
		first := !w.closedWrite
		w.closedWrite = true
		w.mu.Unlock()
		w.dropped.Add(uint64(len(it.results)))
		if first {
			w.log.Error("store: write after close, not stored", "results", len(it.results), "changes", len(it.changes))
		}
		return
	}
	w.lastSeq++
	it.seq = w.lastSeq
	w.pending = append(w.pending, it)
	w.pendingResults += len(it.results)
	w.dropOldest()
	w.mu.Unlock()

	w.wake()
}

// dropOldest keeps pendingResults within MaxQueue by dropping the oldest
// results. An item left without results hands its changes on to the next
// one, so they still commit, in order. Called with mu held.
func (w *Writer) dropOldest() {
	for w.pendingResults > w.opts.MaxQueue {
		if !w.dropping {
			w.dropping = true
			w.log.Warn("store: queue full, dropping oldest results", "max_queue", w.opts.MaxQueue)
		}
		it := w.pending[0]
		n := min(len(it.results), w.pendingResults-w.opts.MaxQueue)
		it.results = it.results[n:]
		w.pendingResults -= n
		w.dropped.Add(uint64(n))
		if len(it.results) == 0 && len(w.pending) > 1 {
			next := w.pending[1]
			next.changes = append(it.changes, next.changes...)
			next.arrived = it.arrived
			next.stoppedAt = max(next.stoppedAt, it.stoppedAt)
			next.clearStop = next.clearStop || it.clearStop
			w.pending[0] = nil
			w.pending = w.pending[1:]
		}
	}
}

// SetFence makes what Write queues from now on commit only while f holds
// the lease (see WithFence); nil leaves it unfenced. A leader sets its
// term's fence when it starts leading. A batch refused with ErrFenced is
// dropped, never retried: it was the deposed leader's, and the node that
// leads now observes for itself. Its results count in Fenced, and a
// Flush waiting for it fails.
func (w *Writer) SetFence(f *Fence) { w.fence.Store(f) }

// Fenced returns the number of results refused because their term as
// leader had ended.
func (w *Writer) Fenced() uint64 { return w.fenced.Load() }

func (w *Writer) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Flush returns once everything passed to Write before the call has
// committed (or was dropped at the MaxQueue bound), or ctx ends. It makes
// the writer commit at once rather than after MaxDelay.
func (w *Writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	target := w.lastSeq
	w.flushSeq = max(w.flushSeq, target)
	w.mu.Unlock()
	w.wake()
	w.mu.Lock()
	from := w.committedSeq
	w.mu.Unlock()
	for {
		w.mu.Lock()
		if w.committedSeq >= target {
			lost := w.fencedTo > from && w.fencedFrom <= target
			w.mu.Unlock()
			if lost {
				return fmt.Errorf("store: flush: %w", ErrFenced)
			}
			return nil
		}
		ch, lastErr := w.committedCh, w.lastErr
		w.mu.Unlock()
		select {
		case <-ch:
		case <-w.done:
			w.mu.Lock()
			ok := w.committedSeq >= target
			w.mu.Unlock()
			if ok {
				return nil
			}
			return fmt.Errorf("store: flush: writer stopped: %w", w.err())
		case <-ctx.Done():
			if lastErr != nil {
				return fmt.Errorf("store: flush: %w (last commit: %w)", ctx.Err(), lastErr)
			}
			return fmt.Errorf("store: flush: %w", ctx.Err())
		}
	}
}

// Close commits what is queued, retrying failed commits until ctx ends,
// then stops the writer. It returns an error when something could not be
// committed. Write calls after Close store nothing.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	w.closing = true
	w.mu.Unlock()
	w.wake()
	select {
	case <-w.done:
	case <-ctx.Done():
		w.stop()
		<-w.done
	}
	w.cancel()

	w.s.mu.Lock()
	if w.s.writer == w {
		w.s.writer = nil
	}
	w.s.mu.Unlock()
	w.mu.Lock()
	results, changes, closes := w.uncommitted()
	w.mu.Unlock()
	if closes > 0 && results == 0 && changes == closes {
		w.log.Warn("store: the stop's closing changes are left to the next start", "changes", closes)
	}
	return w.err()
}

// err describes what the stopped writer left uncommitted, or nil. A
// stop's closes left behind once everything before them committed are
// not an error: the stop's record committed, and the next start writes
// them (see WriteStop).
func (w *Writer) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	results, changes, left := w.uncommitted()
	if results == 0 && changes == left {
		return nil
	}
	cause := w.lastErr
	if cause == nil {
		cause = errors.New("stopped before committing")
	}
	return fmt.Errorf("store: writer closed with %d results and %d changes not committed: %w", results, changes, cause)
}

// uncommitted counts the results and changes not committed, and among
// the changes a stop's closes that are all that is left. Called with mu
// held.
func (w *Writer) uncommitted() (results, changes, closes int) {
	results = w.pendingResults + w.inflightResults
	changes = w.inflightChanges
	if w.inflightCloses {
		closes = w.inflightChanges
	}
	for i, it := range w.pending {
		changes += len(it.changes)
		if it.closes && i == 0 && w.inflightResults+w.inflightChanges == 0 {
			closes = len(it.changes)
		}
	}
	return results, changes, closes
}

// stop makes the goroutine give up: it cancels the running transaction and
// returns without committing the rest.
func (w *Writer) stop() {
	w.abortOnce.Do(func() {
		close(w.abort)
		w.cancel()
	})
}

// Healthy reports whether the last commit succeeded: false from a failed
// commit until the next successful one.
func (w *Writer) Healthy() bool { return w.healthy.Load() }

// Dropped returns the number of results dropped at the MaxQueue bound (or
// written after Close).
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

// Queued returns the number of results waiting to commit, including the
// batch being committed.
func (w *Writer) Queued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pendingResults + w.inflightResults
}
