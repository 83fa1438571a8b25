package ui

import (
	"sync"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// daysMemoFor is how long one read of every component's daily rollups
// serves the pages, whatever changes meanwhile. Only a rollup build
// changes the rows, and it rebuilds today's rows only (every minute, or
// every few minutes in a large fleet): a page adds to each component's
// row of today the time since that row's build from the stored changes
// (see tailAfter), so today's figures are to the second however old the
// read. Past days move only when a late result reaches them, and show
// that within this much more.
const daysMemoFor = refreshEvery

// daysMemo shares one read of every component's daily rollups between
// the responses built within daysMemoFor on one day: /, each component
// page and each badge need the fleet's 90 days, and at 1,000 components
// one read is most of a second of CPU (issue 18; BenchmarkRebuildFleet).
// Builds wait for a read in progress rather than reading too. The rows
// are shared: callers must not change them (see todayTail.addToDay).
type daysMemo struct {
	mu    sync.Mutex
	ok    bool
	day   string    // the site's day the rows were read on; guarded by mu
	at    time.Time // when rows were read, by the site's clock; guarded by mu
	rows  map[string][]store.DayRollup
	reads int // store reads made, for tests; guarded by mu
}

// get returns the rows read on day within daysMemoFor of now, or reads
// them with read.
func (m *daysMemo) get(day string, now time.Time, read func() (map[string][]store.DayRollup, error)) (map[string][]store.DayRollup, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ok && m.day == day && !now.Before(m.at) && now.Sub(m.at) < daysMemoFor {
		return m.rows, nil
	}
	rows, err := read()
	if err != nil {
		return nil, err
	}
	m.ok, m.day, m.at, m.rows = true, day, now, rows
	m.reads++
	return rows, nil
}
