package ui

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	beat "github.com/ampelstatus/ampel/pkg/heartbeat"
	"github.com/ampelstatus/ampel/store"
)

// HeartbeatPath is where jobs call in; the token follows, then optionally
// /start, /fail or an exit status.
const HeartbeatPath = "/api/v1/heartbeat/"

// heartbeatRoutes adds the push URL of heartbeat checks when there are any.
func heartbeatRoutes(e *echo.Echo, d Deps) {
	if d.Heartbeats == nil || d.Heartbeats.Len() == 0 || d.Store == nil {
		return
	}
	h := &heartbeatAPI{d: d, failures: newAuthFailures("heartbeat-auth", newSharedLimits(d)), rate: newTokenRate(heartbeatBurst, heartbeatEvery)}
	for _, p := range []string{HeartbeatPath + ":token", HeartbeatPath + ":token/:signal"} {
		e.GET(p, h.push)
		e.POST(p, h.push)
	}
}

// Each heartbeat token may call heartbeatBurst times at once and once
// every heartbeatEvery on average: far more than a job needs (a start and
// an end call per run), far less than a runaway loop sends.
const (
	heartbeatBurst = 20
	heartbeatEvery = time.Second
)

type heartbeatAPI struct {
	d        Deps
	failures *authFailures
	rate     *tokenRate
}

// push answers a job's call once its result is stored. The token is in
// the URL, as every heartbeat service has it (cron lines call curl); it
// is stored hashed like every token.
func (h *heartbeatAPI) push(c echo.Context) error {
	ctx, ip, now := c.Request().Context(), c.RealIP(), h.d.Now()
	c.Response().Header().Set("Cache-Control", "no-store")
	tok, err := h.d.Store.TokenBySecret(ctx, c.Param("token"))
	if errors.Is(err, store.ErrNoToken) || (err == nil && tok.Kind != store.TokenHeartbeat) {
		// A valid token is never refused for its address's failures;
		// wrong ones count, as on the agent and operator APIs.
		if wait := h.failures.fail(ip, now); wait > 0 {
			c.Response().Header().Set("Retry-After", retryAfter(wait))
			return apiFail(c, http.StatusTooManyRequests, "", "too many invalid tokens from this address")
		}
		return apiFail(c, http.StatusNotFound, "token", "no such heartbeat")
	}
	if err != nil {
		// Not the error handler's 500: it logs the path, which holds the
		// token.
		h.d.Logger.Error("heartbeat: look up token", "err", err)
		c.Response().Header().Set("Retry-After", "5")
		return apiFail(c, http.StatusServiceUnavailable, "", "the heartbeat could not be checked: try again")
	}
	if wait := h.rate.take(tok.ID, now); wait > 0 {
		c.Response().Header().Set("Retry-After", retryAfter(wait))
		return apiFail(c, http.StatusTooManyRequests, "", "too many calls with this token")
	}
	var body []byte
	if c.Request().Method == http.MethodPost {
		body, err = io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, beat.MaxBody))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apiFail(c, http.StatusRequestEntityTooLarge, "body", "body larger than 10 KiB")
		}
		if err != nil {
			return apiFail(c, http.StatusBadRequest, "body", "could not read the body")
		}
	}
	ping, err := beat.Parse(c.Param("signal"), c.QueryParams(), c.Request().Header.Get("Content-Type"), body)
	var pe *beat.Error
	if errors.As(err, &pe) {
		return apiFail(c, http.StatusBadRequest, pe.Field, pe.Msg)
	}
	err = h.d.Heartbeats.Push(ctx, tok.Check, ping, now)
	if errors.Is(err, beat.ErrUnknownCheck) {
		return apiFail(c, http.StatusNotFound, "token", "this token's check "+strconv.Quote(tok.Check)+" is not a heartbeat check in the config")
	}
	if err != nil {
		h.d.Logger.Warn("heartbeat not stored", "check", tok.Check, "err", err)
		c.Response().Header().Set("Retry-After", "5")
		return apiFail(c, http.StatusServiceUnavailable, "", "the heartbeat could not be stored: try again")
	}
	if now.Sub(tok.LastUsed) >= touchEvery {
		if err := h.d.Store.TouchToken(ctx, tok.ID, now); err != nil {
			h.d.Logger.Warn("record token use", "token", tok.Name, "err", err)
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": ping.Signal.String()})
}

// tokenRate is a token bucket per API token (by id): burst calls at once,
// then one every every.
type tokenRate struct {
	mu    sync.Mutex
	burst float64
	every time.Duration
	// max is how many buckets are kept; past it, the full ones go.
	max    int
	bucket map[int64]*bucket // guarded by mu
}

func newTokenRate(burst int, every time.Duration) *tokenRate {
	return &tokenRate{burst: float64(burst), every: every, max: 10_000, bucket: map[int64]*bucket{}}
}

// prune drops the buckets that have refilled by now: they hold nothing a
// fresh one would not. Clearing them all instead gave a token held back
// a fresh burst whenever many tokens had called. Only if every bucket is
// still in use does it clear them, so the map never grows without bound.
// Called with mu held.
func (r *tokenRate) prune(now time.Time) {
	for id, b := range r.bucket {
		if b.tokens+float64(now.Sub(b.at))/float64(r.every) >= r.burst {
			delete(r.bucket, id)
		}
	}
	if len(r.bucket) >= r.max {
		clear(r.bucket)
	}
}

// take spends one call of id at now: 0 when allowed, else how long until
// the next one is.
func (r *tokenRate) take(id int64, now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bucket[id]
	if b == nil {
		if len(r.bucket) >= r.max {
			r.prune(now) // only valid tokens get here
		}
		b = &bucket{tokens: r.burst, at: now}
		r.bucket[id] = b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(r.burst, b.tokens+float64(d)/float64(r.every))
		b.at = now
	}
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(r.every))
	}
	b.tokens--
	return 0
}
