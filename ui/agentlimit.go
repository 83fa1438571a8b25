package ui

import (
	"sync"
	"time"
)

// authFailures limits how often one address (an IPv6 client by its /64)
// may present a wrong token to the agent and operator APIs: guessing a
// 256-bit token is hopeless anyway, but strangers must not set our pace.
// It counts failures only: a valid token is checked before it is
// consulted and never refused by it, so a stranger behind the same proxy
// cannot keep the agents or the automation out.
type authFailures struct {
	mu    sync.Mutex
	byIP  map[string]*failWindow
	limit int
	every time.Duration
}

type failWindow struct {
	start time.Time
	n     int
}

func newAuthFailures() *authFailures {
	return &authFailures{byIP: map[string]*failWindow{}, limit: 20, every: time.Minute}
}

// fail counts a wrong token from ip and returns how long the address
// must wait before it may be told "wrong" again: 0 while it is within
// the limit (answer 401), else until its window ends (answer 429).
func (a *authFailures) fail(ip string, now time.Time) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.byIP) > 10_000 {
		clear(a.byIP) // a flood of addresses: start over rather than grow
	}
	key := ipKey(ip)
	w := a.byIP[key]
	if w == nil || now.Sub(w.start) >= a.every {
		w = &failWindow{start: now}
		a.byIP[key] = w
	}
	w.n++
	if w.n <= a.limit {
		return 0
	}
	return w.start.Add(a.every).Sub(now)
}
