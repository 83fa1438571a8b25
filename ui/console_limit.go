package ui

import (
	"strings"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/connlimit"
)

// Login limits. Kept in memory: a restart forgets them, which only gives
// a guesser one more round after each restart of the server.
const (
	// accountFailures in accountWindow lock an account's login (known or
	// not, so the lock says nothing about whether it exists).
	accountFailures = 100
	accountWindow   = time.Hour
	// ipBurst failures at once from one address, then one per ipRefill
	// (10 a minute).
	ipBurst  = 10
	ipRefill = 6 * time.Second
	// maxTracked bounds each table under a flood of distinct emails or
	// addresses: past it, the entry used least recently is dropped, but
	// never a locked account while an unlocked one can go, so a flood of
	// fresh emails does not unlock the account under attack.
	maxTracked = 4096
)

// loginLimits counts failed logins per account and per client address.
type loginLimits struct {
	mu       sync.Mutex
	accounts *lru[failLog]
	ips      *lru[bucket]
}

// failLog holds the times of an account's last accountFailures failures,
// oldest first.
type failLog struct{ at []time.Time }

// bucket is a token bucket of allowed failures: full at ipBurst, one
// token back every ipRefill.
type bucket struct {
	tokens float64
	at     time.Time
}

func newLoginLimits() *loginLimits {
	return &loginLimits{accounts: newLRU[failLog](maxTracked), ips: newLRU[bucket](maxTracked)}
}

// maxKeyLen bounds the length of a tracked email, so a table's memory
// is bounded too: no address is longer (RFC 5321 allows 254).
const maxKeyLen = 320

// accountKey is the account's email as the users table compares it.
func accountKey(email string) string {
	k := strings.ToLower(strings.TrimSpace(email))
	if len(k) > maxKeyLen {
		k = k[:maxKeyLen]
	}
	return k
}

// ipKey is the client's address as the limits count it: IPv6 clients by
// their /64, which one client usually holds whole (see connlimit.Key).
func ipKey(addr string) string { return connlimit.Key(addr) }

// wait says how long until ip may try again (0: now), and whether the
// refusal is the account's (true) or the address's.
func (l *loginLimits) wait(email, ip string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.ips.peek(ipKey(ip)); b != nil {
		if t := b.refill(now); t < 1 {
			return time.Duration((1 - t) * float64(ipRefill)), false
		}
	}
	if f := l.accounts.peek(accountKey(email)); f != nil {
		if until := f.lockedUntil(); now.Before(until) {
			return until.Sub(now), true
		}
	}
	return 0, false
}

// lockedUntil is when the account's lock ends: the zero time when it has
// failed fewer than accountFailures times.
func (f *failLog) lockedUntil() time.Time {
	if len(f.at) < accountFailures {
		return time.Time{}
	}
	return f.at[0].Add(accountWindow)
}

// fail counts a failed login of email from ip.
func (l *loginLimits) fail(email, ip string, now time.Time) {
	l.failAddress(ip, now)
	l.mu.Lock()
	defer l.mu.Unlock()
	f, _ := l.accounts.use(accountKey(email), func(f *failLog) bool { return now.Before(f.lockedUntil()) })
	if len(f.at) == accountFailures {
		f.at = append(f.at[:0], f.at[1:]...)
	}
	f.at = append(f.at, now)
}

// failAddress counts a refused attempt of ip only: one refused for a
// locked account must not extend the lock.
func (l *loginLimits) failAddress(ip string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, fresh := l.ips.use(ipKey(ip), nil)
	if fresh {
		*b = bucket{tokens: ipBurst, at: now}
	}
	b.tokens = max(b.refill(now)-1, 0)
}

// refill adds the tokens earned since the last look, and returns them.
func (b *bucket) refill(now time.Time) float64 {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(b.tokens+float64(d)/float64(ipRefill), ipBurst)
		b.at = now
	}
	return b.tokens
}

// size returns the number of tracked accounts and addresses.
func (l *loginLimits) size() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.accounts.len(), l.ips.len()
}
