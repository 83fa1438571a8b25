package spool

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// persisted is the spool's small state file. LastSeq must survive the
// deletion of every segment, so sequence numbers never repeat; Dropped is
// shown to operators as a gap.
type persisted struct {
	AgentID string `json:"agent_id"`
	LastSeq int64  `json:"last_seq"`
	Acked   int64  `json:"acked"`
	Dropped int64  `json:"dropped"`
	closed  bool
}

const stateFile = "state.json"

// ReadState reads a spool's state file without opening the spool, for
// tests and tools. A folder without one reads as an empty spool.
func ReadState(dir string) (agentID string, lastSeq, acked, dropped int64, err error) {
	st, err := loadState(dir)
	return st.AgentID, st.LastSeq, st.Acked, st.Dropped, err
}

func loadState(dir string) (persisted, error) {
	var st persisted
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		id := make([]byte, 8)
		rand.Read(id)
		st.AgentID = hex.EncodeToString(id)
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("spool: read state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil || st.AgentID == "" {
		return st, fmt.Errorf("spool: state file %s is damaged: %v", filepath.Join(dir, stateFile), err)
	}
	return st, nil
}

// saveState replaces the state file atomically: written, synced, renamed,
// and the folder synced. Called with mu held.
func (s *Spool) saveState() error {
	b, _ := json.Marshal(s.st)
	tmp := filepath.Join(s.dir, stateFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("spool: save state: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, stateFile))
	}
	if err != nil {
		return fmt.Errorf("spool: save state: %w", err)
	}
	return syncDir(s.dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("spool: sync folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: sync folder: %w", err)
	}
	return nil
}
