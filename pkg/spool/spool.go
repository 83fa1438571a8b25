// Package spool is an agent's durable queue of results waiting for the
// server: append-only segment files synced on every append, numbered by a
// per-agent sequence that survives restarts, bounded by size and age, and
// deleted only once the server acknowledges what they hold.
package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Options bound a spool. Zero values take the defaults.
type Options struct {
	// MaxBytes bounds the segment files on disk (default 64 MiB); beyond it
	// the oldest segment is dropped and its records counted as dropped.
	MaxBytes int64
	// MaxAge drops segments whose newest record is older (default 7 days).
	MaxAge time.Duration
	// SegmentBytes starts a new segment file past this size (default
	// MaxBytes/16, at most 4 MiB).
	SegmentBytes int64
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Record is one spooled payload with its sequence number.
type Record struct {
	Seq  int64
	At   time.Time // when it was appended
	Data []byte
}

// Spool is safe for concurrent use.
type Spool struct {
	dir  string
	opts Options

	mu       sync.Mutex
	st       persisted // guarded by mu
	segs     []*segment
	active   *os.File // the newest segment, open for appending; nil before the first append
	depth    int      // records not acknowledged
	diskSize int64
}

// segment is one file and the records in it not yet acknowledged.
type segment struct {
	path    string
	size    int64
	first   int64 // first sequence in the file
	last    int64 // last sequence in the file
	newest  time.Time
	records []Record // unacknowledged, in order
}

// ErrClosed is returned after Close.
var ErrClosed = errors.New("spool: closed")

// Open opens or creates the spool in dir, recovering from a crash: a record
// torn by one is cut off (it was never acknowledged to anyone as stored).
func Open(dir string, opts Options) (*Spool, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 7 * 24 * time.Hour
	}
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = min(opts.MaxBytes/16, 4<<20)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{dir: dir, opts: opts}
	st, err := loadState(dir)
	if err != nil {
		return nil, err
	}
	s.st = st
	if err := s.loadSegments(); err != nil {
		return nil, err
	}
	if err := s.saveState(); err != nil {
		return nil, err
	}
	return s, nil
}

// ID is the agent identity kept in the spool: sequence numbers are per ID.
func (s *Spool) ID() string { return s.st.AgentID }

// Append stores payloads durably (the file is synced before it returns)
// and returns the sequence number of the last one.
func (s *Spool) Append(payloads ...[]byte) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.closed {
		return 0, ErrClosed
	}
	if len(payloads) == 0 {
		return s.st.LastSeq, nil
	}
	now := s.opts.Now()
	if err := s.rotateIfFull(); err != nil {
		return 0, err
	}
	seg := s.segs[len(s.segs)-1]
	var buf []byte
	recs := make([]Record, 0, len(payloads))
	for i, p := range payloads {
		seq := s.st.LastSeq + int64(i) + 1
		buf = appendLine(buf, seq, now, p)
		recs = append(recs, Record{Seq: seq, At: now, Data: p})
	}
	if _, err := s.active.Write(buf); err != nil {
		return 0, s.fail(fmt.Errorf("spool: append: %w", err))
	}
	if err := s.active.Sync(); err != nil {
		return 0, s.fail(fmt.Errorf("spool: append: sync: %w", err))
	}
	if seg.first == 0 {
		seg.first = recs[0].Seq
	}
	seg.last = recs[len(recs)-1].Seq
	seg.newest = now
	seg.size += int64(len(buf))
	seg.records = append(seg.records, recs...)
	s.st.LastSeq = seg.last
	s.depth += len(recs)
	s.diskSize += int64(len(buf))
	if err := s.enforceBounds(now); err != nil {
		return 0, err
	}
	return s.st.LastSeq, nil
}

// fail closes the active segment after a failed write, so the next append
// starts a new file rather than writing after a partial line.
func (s *Spool) fail(err error) error {
	if s.active != nil {
		s.active.Close()
		s.active = nil
	}
	return err
}

// Peek returns up to n of the oldest unacknowledged records.
func (s *Spool) Peek(n int) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, seg := range s.segs {
		for _, r := range seg.records {
			if len(out) == n {
				return out
			}
			out = append(out, r)
		}
	}
	return out
}

// Ack records that the server committed every record up to seq: they are
// forgotten, and segment files holding nothing newer are deleted.
func (s *Spool) Ack(seq int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.st.Acked {
		return nil
	}
	s.st.Acked = min(seq, s.st.LastSeq)
	if err := s.saveState(); err != nil {
		return err
	}
	for len(s.segs) > 0 {
		seg := s.segs[0]
		i := 0
		for i < len(seg.records) && seg.records[i].Seq <= s.st.Acked {
			i++
		}
		s.depth -= i
		seg.records = seg.records[i:]
		if seg.last > s.st.Acked || seg.first == 0 {
			break
		}
		if err := s.removeFirst(); err != nil {
			return err
		}
	}
	return nil
}

// Enforce applies the age bound now; Append applies both bounds itself.
func (s *Spool) Enforce() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enforceBounds(s.opts.Now())
}

// Close closes the active segment.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.closed = true
	if s.active != nil {
		err := s.active.Close()
		s.active = nil
		return err
	}
	return nil
}

func segmentName(first int64) string { return fmt.Sprintf("seg-%020d.log", first) }

func (s *Spool) segPath(name string) string { return filepath.Join(s.dir, name) }
