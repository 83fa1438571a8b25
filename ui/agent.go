package ui

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/agent"
	"github.com/ampelstatus/ampel/pkg/remote"
)

// maxPushBytes bounds one push body: MaxPushResults results with long
// details fit well within it.
const maxPushBytes = 16 << 20

// agentRoutes adds the agent API when the server has remote zones.
func agentRoutes(e *echo.Echo, r *remote.Receiver, now func() time.Time, shared *sharedLimits) {
	if r == nil {
		return
	}
	a := &agentAPI{r: r, failures: newAuthFailures("agent-auth", shared), now: now}
	e.GET(agent.ChecksPath, a.checks)
	e.POST(agent.ResultsPath, a.results)
}

type agentAPI struct {
	r        *remote.Receiver
	failures *authFailures
	now      func() time.Time
}

// authenticate returns the zone of the request's token. The token is
// checked first: a valid one is never refused for the wrong tokens
// others sent from its address; a refused one counts against the
// address, which past the limit is answered 429.
func (a *agentAPI) authenticate(c echo.Context) (string, error) {
	zone, err := a.r.Authenticate(c.Request().Context(), c.Request().Header.Get("Authorization"))
	var re *remote.Error
	if errors.As(err, &re) && re.Status == http.StatusUnauthorized {
		if wait := a.failures.fail(c.RealIP(), a.now()); wait > 0 {
			return "", &remote.Error{Status: http.StatusTooManyRequests, Msg: "too many invalid tokens from this address", RetryAfter: wait}
		}
	}
	return zone, err
}

// checks answers GET /api/v1/agent/checks?zone=NAME with the zone's
// checks, or 304 when the agent has them already.
func (a *agentAPI) checks(c echo.Context) error {
	zone, err := a.authenticate(c)
	if err != nil {
		return agentError(c, err)
	}
	if q := c.QueryParam("zone"); q != "" && q != zone {
		return c.JSON(http.StatusForbidden, apiError{Error: "this token is for zone " + strconv.Quote(zone) + ", not " + strconv.Quote(q), Field: "zone"})
	}
	gz, etag, err := a.r.Checks(zone)
	if err != nil {
		return agentError(c, err)
	}
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-store")
	addVary(h, "Accept-Encoding")
	if etagMatch(c.Request().Header.Get("If-None-Match"), strings.TrimPrefix(etag, "W/")) {
		return c.NoContent(http.StatusNotModified)
	}
	// Agents ask for gzip (Go's client does by default): 29 MiB of JSON
	// at 100,000 checks is a twentieth of that on the wire.
	if acceptsGzip(firstValue(c.Request().Header["Accept-Encoding"])) {
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, gz)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return err
	}
	return c.Stream(http.StatusOK, echo.MIMEApplicationJSON, zr)
}

// results answers POST /api/v1/agent/results once the pushed results are
// committed.
func (a *agentAPI) results(c echo.Context) error {
	ctx := c.Request().Context()
	zone, err := a.authenticate(c)
	if err != nil {
		return agentError(c, err)
	}
	var p agent.Push
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxPushBytes)
	if err := json.NewDecoder(body).Decode(&p); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return c.JSON(http.StatusRequestEntityTooLarge, apiError{Error: "push body larger than 16 MiB", Field: "results"})
		}
		field := ""
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field = te.Field
		}
		if errors.Is(err, io.EOF) {
			return c.JSON(http.StatusBadRequest, apiError{Error: "empty body: a JSON push is required"})
		}
		return c.JSON(http.StatusBadRequest, apiError{Error: "invalid JSON: " + err.Error(), Field: field})
	}
	ack, err := a.r.Accept(ctx, zone, &p)
	if err != nil {
		return agentError(c, err)
	}
	return c.JSON(http.StatusOK, ack)
}

// agentError answers a refusal from the receiver as JSON, with
// Retry-After for 429 and 503.
func agentError(c echo.Context, err error) error {
	var re *remote.Error
	if !errors.As(err, &re) {
		return err
	}
	if re.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", retryAfter(re.RetryAfter))
	}
	return c.JSON(re.Status, apiError{Error: re.Msg, Field: re.Field})
}
