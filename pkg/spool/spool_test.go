package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func payload(i int) []byte { return fmt.Appendf(nil, `{"n":%d}`, i) }

func open(t *testing.T, dir string, opts Options) *Spool {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func seqs(rs []Record) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}

func TestAppendAckSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{SegmentBytes: 40})
	id := s.ID()
	for i := 1; i <= 10; i++ {
		if seq, err := s.Append(payload(i)); err != nil || seq != int64(i) {
			t.Fatalf("append %d: seq %d, %v", i, seq, err)
		}
	}
	if err := s.Ack(4); err != nil {
		t.Fatal(err)
	}
	if got := seqs(s.Peek(3)); fmt.Sprint(got) != "[5 6 7]" {
		t.Fatalf("peek after ack 4: %v", got)
	}
	s.Close()

	s = open(t, dir, Options{SegmentBytes: 40})
	if s.ID() != id {
		t.Fatalf("agent id changed: %s, was %s", s.ID(), id)
	}
	recs := s.Peek(100)
	if fmt.Sprint(seqs(recs)) != "[5 6 7 8 9 10]" || string(recs[0].Data) != `{"n":5}` {
		t.Fatalf("after reopen: %v", seqs(recs))
	}
	if err := s.Ack(10); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*"))
	if len(segs) != 0 {
		t.Fatalf("segments left after acknowledging everything: %v", segs)
	}
	s.Close()
	// Sequence numbers continue after every segment is gone.
	s = open(t, dir, Options{})
	if seq, err := s.Append(payload(11)); err != nil || seq != 11 {
		t.Fatalf("append after full ack: %d %v", seq, err)
	}
}

func TestTornRecordIsCutOff(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	for i := 1; i <= 3; i++ {
		if _, err := s.Append(payload(i)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*"))
	f, err := os.OpenFile(segs[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`4 1700000000000 {"n":`) // a crash mid-append
	f.Close()

	s = open(t, dir, Options{})
	if got := seqs(s.Peek(10)); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("after torn append: %v", got)
	}
	if seq, err := s.Append(payload(4)); err != nil || seq != 4 {
		t.Fatalf("append after recovery: %d %v", seq, err)
	}
	s.Close()
	s = open(t, dir, Options{})
	if got := seqs(s.Peek(10)); fmt.Sprint(got) != "[1 2 3 4]" {
		t.Fatalf("after second reopen: %v", got)
	}
}

func TestBoundsDropOldestAndCount(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := open(t, dir, Options{MaxBytes: 200, SegmentBytes: 50, MaxAge: time.Hour, Now: clock})
	for i := 1; i <= 20; i++ {
		if _, err := s.Append(payload(i)); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	if st.Bytes > 200 || st.Dropped == 0 || st.Dropped+int64(st.Depth) != 20 || st.LastSeq != 20 {
		t.Fatalf("size bound: %+v", st)
	}
	first := s.Peek(1)[0].Seq
	if first != st.Dropped+1 {
		t.Fatalf("oldest kept %d after dropping %d", first, st.Dropped)
	}
	now = now.Add(2 * time.Hour)
	if err := s.Enforce(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Depth != 0 || st.Dropped != 20 {
		t.Fatalf("age bound: %+v", st)
	}
	s.Close()
	_, last, acked, dropped, err := ReadState(dir)
	if err != nil || last != 20 || dropped != 20 || acked != 20 {
		t.Fatalf("state: last %d acked %d dropped %d %v", last, acked, dropped, err)
	}
}

// FuzzOpenDamagedSegment: whatever a crash or a disk left in a segment
// file, Open recovers a consistent spool and appends after it.
func FuzzOpenDamagedSegment(f *testing.F) {
	f.Add([]byte("1 1700000000000 {\"n\":1}\n2 1700000000000 {\"n\":2}\n3 17"))
	f.Add([]byte("1 x y\n"))
	f.Add([]byte("5 1 a\n7 1 b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer s.Close()
		before := s.Stats()
		recs := s.Peek(1 << 20)
		if len(recs) != before.Depth {
			t.Fatalf("peek %d, depth %d", len(recs), before.Depth)
		}
		for i := 1; i < len(recs); i++ {
			if recs[i].Seq != recs[i-1].Seq+1 {
				t.Fatalf("sequence jumps: %d after %d", recs[i].Seq, recs[i-1].Seq)
			}
		}
		seq, err := s.Append([]byte("{}"))
		if err != nil || seq != before.LastSeq+1 {
			t.Fatalf("append after recovery: %d %v (last %d)", seq, err, before.LastSeq)
		}
	})
}
