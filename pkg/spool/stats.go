package spool

// Stats describes the spool for the server and operators.
type Stats struct {
	// Depth is the number of records waiting; LastSeq the newest sequence
	// number given out; Acked the newest acknowledged.
	Depth          int
	LastSeq, Acked int64
	// Dropped counts records dropped at the bounds, ever.
	Dropped int64
	Bytes   int64
}

// Stats returns the spool's counters.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Depth: s.depth, LastSeq: s.st.LastSeq, Acked: s.st.Acked, Dropped: s.st.Dropped, Bytes: s.diskSize}
}

// Discard drops the oldest record, seq, counting it as dropped: the
// server refused it and keeping it would block everything behind it.
func (s *Spool) Discard(seq int64) error {
	s.mu.Lock()
	dropped := false
	if len(s.segs) > 0 && len(s.segs[0].records) > 0 && s.segs[0].records[0].Seq == seq {
		s.st.Dropped++
		dropped = true
	}
	s.mu.Unlock()
	if !dropped {
		return nil
	}
	return s.Ack(seq)
}
