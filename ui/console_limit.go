package ui

import (
	"strings"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/connlimit"
	"github.com/ampelstatus/ampel/store"
)

// Login limits. Kept in memory on one node: a restart forgets them, which
// only gives a guesser one more round after each restart of the server.
// In a cluster they are counted in the store (see sharedLimits), in fixed
// windows of the same lengths. A lock ends by itself once its window has
// passed.
const (
	// accountFailures in accountWindow from untrusted clients (without
	// a device cookie for the account) lock the account for every
	// untrusted client (known or not, so the lock says nothing about
	// whether it exists). Browsers with a device cookie for it are not
	// locked by that: each has its own count.
	accountFailures = 100
	accountWindow   = time.Hour
	// deviceFailures in accountWindow lock one device cookie: a stolen
	// one is worth as many guesses an hour, and no more.
	deviceFailures = 10
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

// loginLimits counts failed logins per account and per client address
// (untrusted clients), and per device cookie (trusted ones).
type loginLimits struct {
	// shared, when not nil, counts in the store instead (a cluster).
	shared   *sharedLimits
	mu       sync.Mutex
	accounts *lru[failLog]
	ips      *lru[bucket]
	devices  *lru[failLog]
}

// lockKind says which limit refused a login.
type lockKind int

const (
	lockAddress lockKind = iota // the client's address
	lockAccount                 // the account, for untrusted clients
	lockDevice                  // the browser's device cookie
)

// failLog holds the times of the last failures of an account (at most
// accountFailures) or a device (deviceFailures), oldest first.
type failLog struct{ at []time.Time }

// bucket is a token bucket of allowed failures: full at ipBurst, one
// token back every ipRefill.
type bucket struct {
	tokens float64
	at     time.Time
}

func newLoginLimits(shared *sharedLimits) *loginLimits {
	return &loginLimits{shared: shared, accounts: newLRU[failLog](maxTracked), ips: newLRU[bucket](maxTracked), devices: newLRU[failLog](maxTracked)}
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

// wait says how long until a login to email may be tried again (0: now)
// and which limit refuses it: the device's own for a browser with a
// device cookie for the account (device is its id), the address's and
// then the account's for any other client.
func (l *loginLimits) wait(email, ip, device string, now time.Time) (time.Duration, lockKind) {
	if l.shared != nil {
		if wait, lock, ok := l.sharedWait(email, ip, device, now); ok {
			return wait, lock
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if device != "" {
		if f := l.devices.peek(device); f != nil {
			if until := f.lockedUntil(deviceFailures); now.Before(until) {
				return until.Sub(now), lockDevice
			}
		}
		return 0, lockDevice
	}
	if b := l.ips.peek(ipKey(ip)); b != nil {
		if t := b.refill(now); t < 1 {
			return time.Duration((1 - t) * float64(ipRefill)), lockAddress
		}
	}
	if f := l.accounts.peek(accountKey(email)); f != nil {
		if until := f.lockedUntil(accountFailures); now.Before(until) {
			return until.Sub(now), lockAccount
		}
	}
	return 0, lockAccount
}

// lockedUntil is when the lock ends of an account or device allowed
// limit failures in accountWindow: the zero time while it has failed
// fewer times.
func (f *failLog) lockedUntil(limit int) time.Time {
	if len(f.at) < limit {
		return time.Time{}
	}
	return f.at[0].Add(accountWindow)
}

// add records a failure at now, keeping the last limit.
func (f *failLog) add(now time.Time, limit int) {
	if len(f.at) == limit {
		f.at = append(f.at[:0], f.at[1:]...)
	}
	f.at = append(f.at, now)
}

// fail counts a failed login of email from ip, on the device's own count
// when the browser has a device cookie for the account.
func (l *loginLimits) fail(email, ip, device string, now time.Time) {
	if l.shared != nil {
		keys := []store.RateKey{deviceKey(device)}
		if device == "" {
			keys = []store.RateKey{addressKey(ip), emailKey(email)}
		}
		if _, ok := l.shared.count(now, keys...); ok {
			return
		}
	}
	if device != "" {
		l.mu.Lock()
		defer l.mu.Unlock()
		f, _ := l.devices.use(device, func(f *failLog) bool { return now.Before(f.lockedUntil(deviceFailures)) })
		f.add(now, deviceFailures)
		return
	}
	l.failAddress(ip, now)
	l.mu.Lock()
	defer l.mu.Unlock()
	f, _ := l.accounts.use(accountKey(email), func(f *failLog) bool { return now.Before(f.lockedUntil(accountFailures)) })
	f.add(now, accountFailures)
}

// failAddress counts a refused attempt of ip only: one refused for a
// locked account must not extend the lock.
func (l *loginLimits) failAddress(ip string, now time.Time) {
	if l.shared != nil {
		if _, ok := l.shared.count(now, addressKey(ip)); ok {
			return
		}
	}
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

// The shared counters of the login limits: an address's failures per
// minute (ipBurst, as many as its bucket holds), an account's and a
// device's per accountWindow.
func addressKey(ip string) store.RateKey {
	return store.RateKey{Key: "login-address:" + ipKey(ip), Window: time.Duration(ipBurst) * ipRefill}
}

func emailKey(email string) store.RateKey {
	return store.RateKey{Key: "login-account:" + accountKey(email), Window: accountWindow}
}

func deviceKey(device string) store.RateKey {
	return store.RateKey{Key: "login-device:" + device, Window: accountWindow}
}

// sharedWait is wait on the shared counts; ok is false when the store
// could not answer.
func (l *loginLimits) sharedWait(email, ip, device string, now time.Time) (time.Duration, lockKind, bool) {
	if device != "" {
		k := deviceKey(device)
		hits, ok := l.shared.peek(now, k)
		if !ok {
			return 0, lockDevice, false
		}
		if hits[0] >= deviceFailures {
			return k.WindowEnd(now).Sub(now), lockDevice, true
		}
		return 0, lockDevice, true
	}
	addr, acct := addressKey(ip), emailKey(email)
	hits, ok := l.shared.peek(now, addr, acct)
	switch {
	case !ok:
		return 0, lockAccount, false
	case hits[0] >= ipBurst:
		return addr.WindowEnd(now).Sub(now), lockAddress, true
	case hits[1] >= accountFailures:
		return acct.WindowEnd(now).Sub(now), lockAccount, true
	}
	return 0, lockAccount, true
}
