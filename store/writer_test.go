package store

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// logBuffer collects log lines from the writer goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

// commits records OnCommit calls and lets a test wait for one.
type commits struct {
	mu    sync.Mutex
	infos []CommitInfo
	ch    chan CommitInfo
}

func newCommits() *commits { return &commits{ch: make(chan CommitInfo, 1_000)} }

func (c *commits) on(info CommitInfo) {
	c.mu.Lock()
	c.infos = append(c.infos, info)
	c.mu.Unlock()
	select {
	case c.ch <- info:
	default:
	}
}

func (c *commits) all() []CommitInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]CommitInfo(nil), c.infos...)
}

// waitFor waits for a commit attempt that satisfies ok.
func (c *commits) waitFor(t *testing.T, ok func(CommitInfo) bool) CommitInfo {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case info := <-c.ch:
			if ok(info) {
				return info
			}
		case <-timeout:
			t.Fatal("no such commit attempt within 20s")
		}
	}
}

func failed(info CommitInfo) bool { return info.Err != nil }

// startWriter starts a writer whose queue is committed at cleanup.
func startWriter(t *testing.T, s *Store, opts WriterOptions) *Writer {
	t.Helper()
	w := s.StartWriter(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := w.Close(ctx); err != nil {
			t.Errorf("close writer: %v", err)
		}
	})
	return w
}

func flush(t *testing.T, w *Writer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func countResults(t *testing.T, s *Store) int64 {
	t.Helper()
	n, err := s.CountResults(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// numbered returns n results of check c, one a second from base, each
// with its number in Reason.
func numbered(c string, base time.Time, from, n int) []status.Result {
	out := make([]status.Result, n)
	for i := range out {
		out[i] = status.Result{
			Check: c, Zone: "eu", Start: base.Add(time.Duration(from+i) * time.Second),
			Duration: 5 * time.Millisecond, Outcome: status.Up, Reason: fmt.Sprint(from + i),
		}
	}
	return out
}

var t0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

func TestWriterCommitsResultsAndChangesTogether(t *testing.T) {
	s := openTest(t)
	c := newCommits()
	w := startWriter(t, s, WriterOptions{MaxBatch: 2, MaxDelay: time.Hour, OnCommit: c.on})

	results := numbered("api", t0, 0, 5)
	changes := []status.Change{
		{Kind: status.CheckZone, Subject: "api", Zone: "eu", At: t0, From: status.NoData, To: status.Up, Cause: "first result"},
		{Kind: status.Component, Subject: "api", Zone: "ignored", At: t0, From: status.NoData, To: status.Up, Cause: "check api up"},
	}
	w.Write(results, changes)
	// One call, larger than MaxBatch: still one transaction.
	info := c.waitFor(t, func(CommitInfo) bool { return true })
	if info.Err != nil || info.Results != 5 || info.Changes != 2 {
		t.Fatalf("commit = %+v, want 5 results and 2 changes in one", info)
	}
	flush(t, w)

	got, err := s.Results(context.Background(), "api", t0, t0.Add(time.Hour), 0)
	if err != nil || len(got) != 5 {
		t.Fatalf("Results = %d, %v", len(got), err)
	}
	ch, err := s.Changes(context.Background(), status.Component, "api", t0, t0.Add(time.Second))
	if err != nil || len(ch) != 1 || ch[0].Zone != "" || ch[0].Cause != "check api up" {
		t.Fatalf("Changes = %+v, %v", ch, err)
	}
	if !w.Healthy() || w.Queued() != 0 || w.Dropped() != 0 {
		t.Errorf("Healthy %v Queued %d Dropped %d", w.Healthy(), w.Queued(), w.Dropped())
	}
}

func TestWriterCopiesInput(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	rs := numbered("api", t0, 0, 1)
	w.Write(rs, nil)
	rs[0].Check = "changed"
	flush(t, w)
	if got, _ := s.Results(context.Background(), "api", t0, t0.Add(time.Hour), 0); len(got) != 1 {
		t.Errorf("the writer kept the caller's slice: %+v", got)
	}
}

func TestWriterBatches(t *testing.T) {
	s := openTest(t)
	c := newCommits()
	w := startWriter(t, s, WriterOptions{MaxBatch: 100, MaxDelay: time.Hour, OnCommit: c.on})
	for i := range 1000 {
		w.Write(numbered("api", t0, i, 1), nil)
	}
	flush(t, w)
	if n := countResults(t, s); n != 1000 {
		t.Fatalf("stored %d results, want 1000", n)
	}
	infos := c.all()
	if len(infos) > 11 {
		t.Errorf("%d commits for 1000 results in batches of 100", len(infos))
	}
	for _, info := range infos {
		if info.Err != nil || info.Results > 100*catchUp {
			t.Errorf("commit %+v", info)
		}
	}
}

// TestWriterCatchesUp: a writer that fell behind (here: held up after its
// first commit, as a long rollup on the one write connection holds it)
// commits the backlog in batches of up to catchUp times MaxBatch, and
// batches of MaxBatch again once it keeps up.
func TestWriterCatchesUp(t *testing.T) {
	s := openTest(t)
	var mu sync.Mutex
	var sizes []int
	hold, held := make(chan struct{}), make(chan struct{})
	w := startWriter(t, s, WriterOptions{MaxBatch: 100, MaxDelay: time.Hour, OnCommit: func(info CommitInfo) {
		if info.Err != nil {
			t.Errorf("commit %+v", info)
		}
		mu.Lock()
		sizes = append(sizes, info.Results)
		first := len(sizes) == 1
		mu.Unlock()
		if first {
			close(held)
			<-hold
		}
	}})
	w.Write(numbered("api", t0, 0, 100), nil)
	<-held
	for i := range 2000 {
		w.Write(numbered("api", t0, 100+i, 1), nil)
	}
	close(hold)
	flush(t, w)
	w.Write(numbered("api", t0, 5000, 1), nil)
	flush(t, w)
	if n := countResults(t, s); n != 2101 {
		t.Fatalf("stored %d results, want 2101", n)
	}
	mu.Lock()
	defer mu.Unlock()
	largest := slices.Max(sizes[1 : len(sizes)-1])
	if largest > 100*catchUp || largest <= 100 {
		t.Errorf("backlog committed in batches of %v, want some larger than 100 and none over %d", sizes, 100*catchUp)
	}
	if last := sizes[len(sizes)-1]; last != 1 {
		t.Errorf("after the backlog a lone result committed with %d", last)
	}
}

func TestWriterCommitsAfterMaxDelay(t *testing.T) {
	s := openTest(t)
	c := newCommits()
	w := startWriter(t, s, WriterOptions{MaxBatch: 1000, MaxDelay: 10 * time.Millisecond, OnCommit: c.on})
	start := time.Now()
	w.Write(numbered("api", t0, 0, 1), nil)
	// No Flush: the lone result commits on its own after MaxDelay.
	info := c.waitFor(t, func(CommitInfo) bool { return true })
	if info.Err != nil || info.Results != 1 {
		t.Fatalf("commit %+v", info)
	}
	if time.Since(start) < 10*time.Millisecond {
		t.Errorf("committed before MaxDelay")
	}
}

func TestWriterConcurrentWrites(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{MaxBatch: 50, MaxDelay: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				w.Write(numbered(fmt.Sprintf("check-%d", g), t0, i, 1), nil)
				if i%50 == 0 {
					flush(t, w)
				}
			}
		})
	}
	wg.Wait()
	flush(t, w)
	if n := countResults(t, s); n != 1600 {
		t.Errorf("stored %d results, want 1600", n)
	}
}

func TestWriterCloseCommitsQueue(t *testing.T) {
	s := openTest(t)
	w := s.StartWriter(WriterOptions{MaxDelay: time.Hour})
	w.Write(numbered("api", t0, 0, 10), []status.Change{{Kind: status.Check, Subject: "api", At: t0, To: status.Up}})
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := countResults(t, s); n != 10 {
		t.Errorf("stored %d results, want 10", n)
	}
	// After Close: nothing stored, counted as dropped; Flush and Close
	// answer at once.
	w.Write(numbered("api", t0, 10, 3), nil)
	if w.Dropped() != 3 {
		t.Errorf("Dropped = %d after writing 3 to a closed writer", w.Dropped())
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// The store can start a new writer.
	if w2 := s.StartWriter(WriterOptions{}); w2 == w {
		t.Error("StartWriter returned the closed writer")
	} else if err := w2.Close(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestWriterSkipsInvalidChanges(t *testing.T) {
	s := openTest(t)
	logs := &logBuffer{}
	w := startWriter(t, s, WriterOptions{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	w.Write(nil, []status.Change{
		{Kind: 0, Subject: "x", At: t0, To: status.Up},
		{Kind: status.Check, Subject: "x", At: t0, To: status.Level(42)},
		{Kind: status.Check, Subject: "x", At: t0, From: status.Up, To: status.Down},
	})
	flush(t, w)
	got, err := s.Changes(context.Background(), status.Check, "x", t0, t0.Add(time.Second))
	if err != nil || len(got) != 1 || got[0].To != status.Down {
		t.Errorf("Changes = %+v, %v", got, err)
	}
	if n := logs.count("invalid state change"); n != 2 {
		t.Errorf("logged %d invalid changes, want 2", n)
	}
	if !w.Healthy() {
		t.Error("unhealthy after skipping invalid changes")
	}
}

// fillDisk makes every write that needs a new page fail with SQLITE_FULL,
// as a full disk does; raise undoes it. On PostgreSQL the writer's one
// connection turns read-only, as a server that refuses writes (a full
// disk, a standby after a failover).
func fillDisk(t *testing.T, s *Store) (raise func()) {
	t.Helper()
	if s.d == postgresDialect {
		execWriter(t, s, `SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`)
		return func() { execWriter(t, s, `SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE`) }
	}
	var pages int64
	if err := s.wdb.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	execWriter(t, s, fmt.Sprintf("PRAGMA max_page_count = %d", pages))
	return func() { execWriter(t, s, "PRAGMA max_page_count = 1073741823") }
}

func TestWriterDiskFull(t *testing.T) {
	s := openTest(t)
	logs := &logBuffer{}
	c := newCommits()
	w := startWriter(t, s, WriterOptions{
		MaxBatch: 1000, MaxDelay: time.Millisecond, OnCommit: c.on,
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
		retryMin: time.Millisecond, retryMax: 10 * time.Millisecond,
	})
	// Warm up so names and pages exist; then fill the disk.
	w.Write(numbered("api", t0, 0, 1), nil)
	flush(t, w)
	raise := fillDisk(t, s)

	w.Write(numbered("api", t0, 1, 3000), []status.Change{{Kind: status.Check, Subject: "api", At: t0, To: status.Down}})
	c.waitFor(t, failed)
	// It keeps failing, keeps queuing, and logs the episode once.
	c.waitFor(t, failed)
	c.waitFor(t, failed)
	for i := range 5 {
		w.Write(numbered("api", t0, 3001+i*1000, 1000), nil)
	}
	if w.Healthy() {
		t.Error("Healthy while commits fail")
	}
	if q := w.Queued(); q != 8000 {
		t.Errorf("Queued = %d, want 8000", q)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if err := w.Flush(ctx); err == nil || !strings.Contains(err.Error(), s.d.pick("full", "read-only")) {
		t.Errorf("Flush while the disk is full = %v, want the commit error", err)
	}
	cancel()
	if n := logs.count("write failed"); n != 1 {
		t.Errorf("logged the failure %d times, want once:\n%s", n, logs.buf.String())
	}
	if n := countResults(t, s); n != 1 {
		t.Fatalf("stored %d results while the disk was full", n)
	}

	raise()
	flush(t, w)
	if n := countResults(t, s); n != 8001 {
		t.Errorf("stored %d results after recovery, want 8001", n)
	}
	if ch, _ := s.Changes(context.Background(), status.Check, "api", t0, t0.Add(time.Second)); len(ch) != 1 {
		t.Errorf("changes after recovery: %+v", ch)
	}
	if !w.Healthy() || w.Queued() != 0 || w.Dropped() != 0 {
		t.Errorf("after recovery: Healthy %v Queued %d Dropped %d", w.Healthy(), w.Queued(), w.Dropped())
	}
	if n := logs.count("writes recovered"); n != 1 {
		t.Errorf("logged the recovery %d times, want once", n)
	}
	var errs int
	for _, info := range c.all() {
		if info.Err != nil {
			errs++
		}
	}
	if errs < 3 {
		t.Errorf("OnCommit saw %d failed attempts", errs)
	}
}

func TestWriterMaxQueueDropsOldest(t *testing.T) {
	s := openTest(t)
	c := newCommits()
	w := startWriter(t, s, WriterOptions{
		MaxBatch: 500, MaxDelay: time.Hour, MaxQueue: 600, OnCommit: c.on,
		retryMin: time.Millisecond, retryMax: 5 * time.Millisecond,
	})
	w.Write(numbered("api", t0, 0, 1), nil)
	flush(t, w)
	raise := fillDisk(t, s)

	// A full batch (too large for the free space left in the pages) goes
	// in flight and fails...
	w.Write(numbered("api", t0, 1, 500), nil)
	c.waitFor(t, failed)
	// ...while 650 more wait behind it, one per call; the oldest 50 go.
	// The change that came with one of those is kept.
	for i := range 650 {
		var changes []status.Change
		if i == 5 {
			changes = []status.Change{{Kind: status.Component, Subject: "api", At: t0, To: status.Down, Cause: "kept"}}
		}
		w.Write(numbered("api", t0, 501+i, 1), changes)
	}
	if d := w.Dropped(); d != 50 {
		t.Errorf("Dropped = %d, want 50", d)
	}
	if q := w.Queued(); q != 1100 {
		t.Errorf("Queued = %d, want 500 in flight + 600", q)
	}

	raise()
	flush(t, w)
	got, err := s.Results(context.Background(), "api", t0, t0.Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1+500+600 {
		t.Fatalf("stored %d results, want 1101", len(got))
	}
	// Newest first: 1150 down to 551, then 500 down to 0.
	if got[0].Reason != "1150" || got[599].Reason != "551" || got[600].Reason != "500" {
		t.Errorf("kept results %s..%s, %s", got[0].Reason, got[599].Reason, got[600].Reason)
	}
	if ch, _ := s.Changes(context.Background(), status.Component, "api", t0, t0.Add(time.Second)); len(ch) != 1 || ch[0].Cause != "kept" {
		t.Errorf("changes: %+v", ch)
	}
}

func TestWriterCloseGivesUpWhenContextEnds(t *testing.T) {
	s := openTest(t)
	c := newCommits()
	w := s.StartWriter(WriterOptions{MaxDelay: time.Millisecond, OnCommit: c.on, retryMin: time.Millisecond, retryMax: 5 * time.Millisecond})
	w.Write(numbered("api", t0, 0, 1), nil)
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	raise := fillDisk(t, s)
	defer raise()
	w.Write(numbered("api", t0, 1, 2000), []status.Change{{Kind: status.Check, Subject: "api", At: t0, To: status.Down}})
	c.waitFor(t, failed)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := w.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "2000 results and 1 changes not committed") {
		t.Errorf("Close = %v", err)
	}
}
