package ui

import (
	"sync"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// daysMemoFor is how long one read of every component's daily rollups
// serves the pages built at the same state version. Rollups change once
// a minute, so the bars stay as fresh as a page's refreshEvery allows.
const daysMemoFor = 10 * time.Second

// daysMemo shares one read of every component's daily rollups between
// the responses built at one state version: /, each component page and
// each badge all need the fleet's 90 days, and at 1,000 components one
// read is most of a second of CPU (issue 18; BenchmarkRebuildComponent1000).
// Builds wait for a read in progress rather than reading too. The rows
// are shared: callers must not change them (see todayTail.addToDay).
type daysMemo struct {
	mu      sync.Mutex
	ok      bool
	version uint64    // guarded by mu
	at      time.Time // when rows were read, by the site's clock; guarded by mu
	rows    map[string][]store.DayRollup
	reads   int // store reads made, for tests; guarded by mu
}

// get returns the rows read at version within daysMemoFor of now, or
// reads them with read.
func (m *daysMemo) get(version uint64, now time.Time, read func() (map[string][]store.DayRollup, error)) (map[string][]store.DayRollup, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ok && m.version == version && !now.Before(m.at) && now.Sub(m.at) < daysMemoFor {
		return m.rows, nil
	}
	rows, err := read()
	if err != nil {
		return nil, err
	}
	m.ok, m.version, m.at, m.rows = true, version, now, rows
	m.reads++
	return rows, nil
}
