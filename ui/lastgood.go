package ui

import (
	"sync"

	"github.com/ampelstatus/ampel/store"
)

// lastGood keeps the last answer of one store read that public pages
// need besides the live state (open incidents, windows, availability).
// While the store is away (a database failover), a page is then built
// from the live state and these answers, instead of falling back to the
// page's last build, which shows the state as it was then: a component
// that recovered just before the outage stayed "no data" on summary.json
// for as long as the database was away.
type lastGood[T any] struct {
	mu sync.Mutex
	v  T
	ok bool
}

// read returns what fn returns; when fn fails, the last answer it gave,
// if it ever gave one.
func (l *lastGood[T]) read(fn func() (T, error)) (T, error) {
	v, err := fn()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.v, l.ok = v, true
		return v, nil
	}
	if l.ok {
		return l.v, nil
	}
	return v, err
}

// storeReads are the lastGood answers of the store reads behind the
// public pages.
type storeReads struct {
	unresolved lastGood[[]store.Incident]
	open       lastGood[[]store.Maintenance]
	avail      lastGood[summaryAvailability]
	days       lastGood[map[string][]store.DayRollup]
	tail       lastGood[todayTail]
}
