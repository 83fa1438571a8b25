package ui

import (
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/connlimit"
)

// defaultStreamsPerClient caps one client's /events streams when Deps
// does not say: a browser holds one per open page.
const defaultStreamsPerClient = 32

// streamLimits counts open /events streams in all and per client address
// (connlimit.Key of the address the rate limits see, so behind trusted
// proxies the forwarded client), so that one client cannot hold the
// streams, and with them the descriptors, everybody needs.
type streamLimits struct {
	max, perClient int
	mu             sync.Mutex
	open           int            // guarded by mu
	byClient       map[string]int // guarded by mu
}

func newStreamLimits(max, perClient int) *streamLimits {
	if max <= 0 {
		max = maxStreams
	}
	if perClient <= 0 {
		perClient = defaultStreamsPerClient
	}
	return &streamLimits{max: max, perClient: perClient, byClient: map[string]int{}}
}

// take counts a new stream of client, or answers the refusal's status:
// 429 when this client holds its share, 503 when the server holds all
// it may.
func (l *streamLimits) take(client string) (ok bool, refusal int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.byClient[client] >= l.perClient:
		return false, http.StatusTooManyRequests
	case l.open >= l.max:
		return false, http.StatusServiceUnavailable
	}
	l.open++
	l.byClient[client]++
	return true, 0
}

func (l *streamLimits) release(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byClient[client]--; l.byClient[client] <= 0 {
		delete(l.byClient, client)
	}
}

// refuseStream answers a stream past a limit before any work: a status a
// crawler or script understands, Retry-After for those that retry, and a
// closed connection so a refused flood holds no descriptor. The page's
// script falls back to its Reload button.
func refuseStream(c echo.Context, code int) error {
	h := c.Response().Header()
	h.Set("Retry-After", "60")
	h.Set("Connection", "close")
	h.Set("Cache-Control", "no-store")
	msg := "too many live streams from your address; reload the page instead"
	if code == http.StatusServiceUnavailable {
		msg = "too many live streams; reload the page instead"
	}
	return c.JSON(code, apiError{Error: msg})
}

// streamClient is the key /events counts a request's client by.
func streamClient(c echo.Context) string { return connlimit.Key(c.RealIP()) }
