package ui

import (
	"sync"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// maxSubscribeClients bounds the per-client table. When it is full of
// clients still inside their day, a new client is refused until an entry
// frees up: under a flood from that many addresses the form pauses
// rather than memory growing (the per-address limit in the store holds
// either way).
const maxSubscribeClients = 8192

// subscribeLimits counts subscribe requests per client address in a
// fixed minute and a fixed day window. It lives in memory: a restart
// forgets it, while the per-address limit on confirmation mails is
// counted in the database and survives.
type subscribeLimits struct {
	// shared, when not nil, counts in the store instead (a cluster).
	shared            *sharedLimits
	mu                sync.Mutex
	perMinute, perDay int
	max               int
	clients           map[string]*clientWindows
}

type clientWindows struct {
	minute, day     time.Time
	inMinute, inDay int
}

func newSubscribeLimits(perMinute, perDay int, shared *sharedLimits) *subscribeLimits {
	return &subscribeLimits{shared: shared, perMinute: perMinute, perDay: perDay, max: maxSubscribeClients, clients: map[string]*clientWindows{}}
}

// allow counts a request from client at now, or returns how long it must
// wait when it is over a limit.
func (l *subscribeLimits) allow(client string, now time.Time) (bool, time.Duration) {
	if l.shared != nil {
		// Counted in the store: the minute first, and the day only
		// for a request the minute lets through, so a client that
		// hurries does not use up its day.
		minute := store.RateKey{Key: "subscribe-minute:" + client, Window: time.Minute}
		day := store.RateKey{Key: "subscribe-day:" + client, Window: 24 * time.Hour}
		if hits, ok := l.shared.count(now, minute); ok {
			if hits[0] > int64(l.perMinute) {
				return false, minute.WindowEnd(now).Sub(now)
			}
			if hits, ok := l.shared.count(now, day); ok {
				if hits[0] > int64(l.perDay) {
					return false, day.WindowEnd(now).Sub(now)
				}
				return true, 0
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.clients[client]
	if w == nil {
		if len(l.clients) >= l.max {
			l.sweep(now)
		}
		if len(l.clients) >= l.max {
			return false, time.Minute
		}
		w = &clientWindows{minute: now, day: now}
		l.clients[client] = w
	}
	if now.Sub(w.day) >= 24*time.Hour {
		w.day, w.inDay = now, 0
	}
	if now.Sub(w.minute) >= time.Minute {
		w.minute, w.inMinute = now, 0
	}
	switch {
	case w.inDay >= l.perDay:
		return false, w.day.Add(24 * time.Hour).Sub(now)
	case w.inMinute >= l.perMinute:
		return false, w.minute.Add(time.Minute).Sub(now)
	}
	w.inMinute++
	w.inDay++
	return true, 0
}

// sweep drops clients whose day window has ended.
func (l *subscribeLimits) sweep(now time.Time) {
	for k, w := range l.clients {
		if now.Sub(w.day) >= 24*time.Hour {
			delete(l.clients, k)
		}
	}
}
