package ui

import (
	"sync"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// authFailures limits how often one address (an IPv6 client by its /64)
// may present a wrong token to the agent and operator APIs: guessing a
// 256-bit token is hopeless anyway, but strangers must not set our pace.
// It counts failures only: a valid token is checked before it is
// consulted and never refused by it, so a stranger behind the same proxy
// cannot keep the agents or the automation out. In a cluster the counts
// are shared (see sharedLimits).
type authFailures struct {
	// name tells this limit's shared counts from the others'.
	name   string
	shared *sharedLimits
	limit  int
	every  time.Duration

	mu sync.Mutex
	// byIP holds the current window of the addresses seen last; past
	// maxAuthAddresses the one seen least recently goes, never one that
	// is refused while another can go (a flood of fresh addresses must
	// not set a guesser free). Guarded by mu.
	byIP *lru[failWindow]
}

// maxAuthAddresses bounds the addresses an authFailures remembers.
const maxAuthAddresses = 10_000

type failWindow struct {
	start time.Time
	n     int
}

func newAuthFailures(name string, shared *sharedLimits) *authFailures {
	return &authFailures{name: name, shared: shared, byIP: newLRU[failWindow](maxAuthAddresses), limit: 20, every: time.Minute}
}

// fail counts a wrong token from ip and returns how long the address
// must wait before it may be told "wrong" again: 0 while it is within
// the limit (answer 401), else until its window ends (answer 429).
func (a *authFailures) fail(ip string, now time.Time) time.Duration {
	key := ipKey(ip)
	if a.shared != nil {
		k := store.RateKey{Key: a.name + ":" + key, Window: a.every}
		if hits, ok := a.shared.count(now, k); ok {
			if hits[0] <= int64(a.limit) {
				return 0
			}
			return k.WindowEnd(now).Sub(now)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	w, _ := a.byIP.use(key, func(w *failWindow) bool { return w.n > a.limit && now.Sub(w.start) < a.every })
	if w.start.IsZero() || now.Sub(w.start) >= a.every {
		*w = failWindow{start: now}
	}
	w.n++
	if w.n <= a.limit {
		return 0
	}
	return w.start.Add(a.every).Sub(now)
}
