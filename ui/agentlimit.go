package ui

import (
	"sync"
	"time"
)

// authFailures limits how often one address (an IPv6 client by its /64)
// may present a wrong token to the agent and operator APIs: guessing a 256-bit token is hopeless anyway, but each
// attempt costs a database read, and strangers must not set our pace.
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

// blocked reports whether ip has failed too often in the current window.
func (a *authFailures) blocked(ip string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.byIP[ipKey(ip)]
	return w != nil && now.Sub(w.start) < a.every && w.n >= a.limit
}

// fail counts a failure of ip.
func (a *authFailures) fail(ip string, now time.Time) {
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
}
