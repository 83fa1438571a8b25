package spool

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// A record is one line: "seq unix_ms payload\n". Payloads are JSON and
// hold no raw newline.
func appendLine(buf []byte, seq int64, at time.Time, p []byte) []byte {
	buf = strconv.AppendInt(buf, seq, 10)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, at.UnixMilli(), 10)
	buf = append(buf, ' ')
	buf = append(buf, p...)
	return append(buf, '\n')
}

func parseLine(line []byte) (Record, bool) {
	seqText, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return Record{}, false
	}
	atText, data, ok := bytes.Cut(rest, []byte{' '})
	if !ok {
		return Record{}, false
	}
	seq, err1 := strconv.ParseInt(string(seqText), 10, 64)
	at, err2 := strconv.ParseInt(string(atText), 10, 64)
	if err1 != nil || err2 != nil || seq <= 0 {
		return Record{}, false
	}
	return Record{Seq: seq, At: time.UnixMilli(at), Data: bytes.Clone(data)}, true
}

// loadSegments reads every segment, keeping the records not acknowledged.
// A line without its newline, or one that does not parse, ends the file:
// it and anything after it is cut off (a crash mid-append).
func (s *Spool) loadSegments() error {
	names, err := filepath.Glob(filepath.Join(s.dir, "seg-*.log"))
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	sort.Strings(names)
	for _, path := range names {
		seg, err := s.readSegment(path)
		if err != nil {
			return err
		}
		if seg.first == 0 || seg.last <= s.st.Acked {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("spool: remove acknowledged segment: %w", err)
			}
			continue
		}
		s.segs = append(s.segs, seg)
		s.depth += len(seg.records)
		s.diskSize += seg.size
		s.st.LastSeq = max(s.st.LastSeq, seg.last)
	}
	s.st.LastSeq = max(s.st.LastSeq, s.st.Acked)
	return nil
}

func (s *Spool) readSegment(path string) (*segment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	seg := &segment{path: path}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	var good int64
	for sc.Scan() {
		line := sc.Bytes()
		end := good + int64(len(line)) + 1
		if end > int64(len(data)) {
			break // no newline: torn
		}
		r, ok := parseLine(line)
		if !ok || (seg.last != 0 && r.Seq != seg.last+1) {
			break
		}
		if seg.first == 0 {
			seg.first = r.Seq
		}
		seg.last, seg.newest = r.Seq, r.At
		if r.Seq > s.st.Acked {
			seg.records = append(seg.records, r)
		}
		good = end
	}
	if good < int64(len(data)) {
		if err := os.Truncate(path, good); err != nil {
			return nil, fmt.Errorf("spool: cut torn record: %w", err)
		}
	}
	seg.size = good
	return seg, nil
}

// rotateIfFull makes sure an active segment with room exists. Called with
// mu held.
func (s *Spool) rotateIfFull() error {
	if s.active != nil && s.segs[len(s.segs)-1].size < s.opts.SegmentBytes {
		return nil
	}
	if s.active != nil {
		s.active.Close()
		s.active = nil
	}
	path := s.segPath(segmentName(s.st.LastSeq + 1))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("spool: new segment: %w", err)
	}
	// An earlier failed write may have left a partial line in this very
	// file (same first sequence); start it clean.
	if err := f.Truncate(0); err != nil {
		f.Close()
		return fmt.Errorf("spool: new segment: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		return err
	}
	if n := len(s.segs); n > 0 && s.segs[n-1].path == path {
		s.diskSize -= s.segs[n-1].size
		s.segs = s.segs[:n-1]
	}
	s.active = f
	s.segs = append(s.segs, &segment{path: path})
	return nil
}

// enforceBounds drops the oldest segments while the spool is too big or
// they are too old, counting their unacknowledged records. The active
// segment is dropped too when it alone breaks a bound. Called with mu held.
func (s *Spool) enforceBounds(now time.Time) error {
	changed := false
	for len(s.segs) > 0 {
		seg := s.segs[0]
		tooBig := s.diskSize > s.opts.MaxBytes
		tooOld := seg.first != 0 && now.Sub(seg.newest) > s.opts.MaxAge
		if !tooBig && !tooOld {
			break
		}
		s.st.Dropped += int64(len(seg.records))
		s.st.Acked = max(s.st.Acked, seg.last)
		s.depth -= len(seg.records)
		changed = true
		if err := s.removeFirst(); err != nil {
			return err
		}
	}
	if changed {
		return s.saveState()
	}
	return nil
}

// removeFirst deletes the oldest segment. Called with mu held.
func (s *Spool) removeFirst() error {
	seg := s.segs[0]
	if len(s.segs) == 1 && s.active != nil {
		s.active.Close()
		s.active = nil
	}
	if err := os.Remove(seg.path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("spool: remove segment: %w", err)
	}
	s.diskSize -= seg.size
	s.segs[0] = nil
	s.segs = s.segs[1:]
	return nil
}
