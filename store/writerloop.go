package store

import (
	"errors"
	"slices"
	"time"
)

// run is the writer goroutine: it takes a batch when one is due, commits
// it, and on failure keeps the batch and retries it with backoff while new
// writes keep queuing.
func (w *Writer) run() {
	defer close(w.done)
	var (
		batch    []*item
		backoff  = w.opts.retryMin
		failedAt time.Time // start of the current failure episode
		attempts int
	)
	for {
		if batch == nil {
			if batch = w.take(); batch == nil {
				return
			}
		}
		err := w.commit(batch)
		if errors.Is(err, ErrFenced) {
			w.refused(batch, err)
			batch, backoff = nil, w.opts.retryMin
			continue
		}
		if err == nil {
			if !failedAt.IsZero() {
				w.log.Info("store: writes recovered", "failed_for", time.Since(failedAt).Round(time.Millisecond), "attempts", attempts)
				failedAt, attempts = time.Time{}, 0
			}
			w.committed(batch)
			batch, backoff = nil, w.opts.retryMin
			continue
		}

		if w.ctx.Err() != nil {
			// Close gave up and interrupted the attempt: not a failure
			// of the store worth a log line.
			w.failed(err)
			return
		}
		attempts++
		if failedAt.IsZero() {
			failedAt = time.Now()
			// Once per episode: the next line about it is the recovery.
			w.log.Error("store: write failed, retrying", "err", err, "results_queued", w.Queued())
		}
		w.failed(err)
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-w.abort:
			t.Stop()
			return
		}
		backoff = min(backoff*2, w.opts.retryMax)
	}
}

// take waits until a batch is due and takes it out of the queue: when
// MaxBatch results wait, MaxDelay after the oldest item arrived, at once
// for a Flush or Close. It returns nil when the writer is closing with
// nothing left, or aborted.
func (w *Writer) take() []*item {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		var wait <-chan time.Time
		w.mu.Lock()
		switch {
		case len(w.pending) > 0:
			due := w.pending[0].arrived.Add(w.opts.MaxDelay)
			now := time.Now()
			if w.pendingResults >= w.opts.MaxBatch || w.closing || w.flushSeq > w.committedSeq || !now.Before(due) {
				b := w.cut()
				w.mu.Unlock()
				return b
			}
			if timer == nil {
				timer = time.NewTimer(due.Sub(now))
			} else {
				timer.Reset(due.Sub(now))
			}
			wait = timer.C
		case w.closing:
			w.mu.Unlock()
			return nil
		}
		w.mu.Unlock()
		select {
		case <-w.kick:
		case <-wait:
		case <-w.abort:
			return nil
		}
	}
}

// catchUp is how many batches' worth a behind writer commits at once.
const catchUp = 8

// cut takes the oldest items, up to MaxBatch results (at least one item),
// out of the queue. Called with mu held. When more than two batches wait
// (a slow disk, a long rollup holding the database) it takes up to
// catchUp batches' worth: a commit costs about the same whatever its
// size, so a writer that fell behind catches up instead of falling
// further behind at a fixed number of results per commit.
func (w *Writer) cut() []*item {
	limit := w.opts.MaxBatch
	if w.pendingResults > 2*limit {
		limit *= catchUp
	}
	n, results, changes := 0, 0, 0
	for n < len(w.pending) {
		it := w.pending[n]
		r := len(it.results)
		if n > 0 && (results+r > limit || it.fence != w.pending[0].fence || it.closes) {
			break // one batch, one term; a stop's closes alone
		}
		results += r
		changes += len(it.changes)
		n++
		if it.closes {
			break
		}
	}
	batch := slices.Clone(w.pending[:n])
	clear(w.pending[:n])
	w.pending = w.pending[n:]
	w.pendingResults -= results
	w.inflightResults, w.inflightChanges = results, changes
	w.inflightCloses = batch[0].closes
	return batch
}

// commit makes one attempt to commit the batch and reports it.
func (w *Writer) commit(batch []*item) error {
	start := time.Now()
	ctx := w.ctx
	if f := batch[0].fence; f != nil {
		ctx = WithFence(ctx, *f)
	}
	err := w.s.writeBatch(ctx, w.ids, batch, w.opts.Alerts)
	if w.opts.OnCommit != nil {
		info := CommitInfo{Took: time.Since(start), Err: err}
		for _, it := range batch {
			info.Results += len(it.results)
			info.Changes += len(it.changes)
		}
		w.opts.OnCommit(info)
	}
	return err
}

// committed records a successful commit and wakes the Flush callers.
func (w *Writer) committed(batch []*item) {
	w.healthy.Store(true)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.committedSeq = batch[len(batch)-1].seq
	w.inflightResults, w.inflightChanges, w.inflightCloses = 0, 0, false
	w.lastErr = nil
	w.dropping = false
	close(w.committedCh)
	w.committedCh = make(chan struct{})
}

// refused drops a batch whose term as leader has ended: like a commit
// for the order of what follows, but counted as fenced, and failing the
// Flush calls that wait for it.
func (w *Writer) refused(batch []*item, err error) {
	results := 0
	for _, it := range batch {
		results += len(it.results)
	}
	w.fenced.Add(uint64(results))
	w.log.Warn("store: batch refused: this node no longer leads", "err", err, "results", results)
	w.mu.Lock()
	first, last := batch[0].seq, batch[len(batch)-1].seq
	if w.fencedTo+1 != first {
		w.fencedFrom = first
	}
	w.fencedTo = last
	w.mu.Unlock()
	w.committed(batch)
}

// failed records a failed commit attempt.
func (w *Writer) failed(err error) {
	w.healthy.Store(false)
	w.mu.Lock()
	w.lastErr = err
	w.mu.Unlock()
}
