package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxChecksBytes bounds the check list an agent reads, as JSON: 100,000
// checks are about 29 MiB, so this allows some 800,000.
const maxChecksBytes = 256 << 20

// client talks to the server's agent API.
type client struct {
	base  string // server URL without a trailing slash
	zone  string
	token string
	http  *http.Client
	ua    string
	// maxChecks bounds the check list read (maxChecksBytes when 0).
	maxChecks int64
}

// statusError is an answer other than success. RetryAfter is set for 429
// and 503 when the server said how long to wait.
type statusError struct {
	Code       int
	Msg, Field string
	RetryAfter time.Duration
}

func (e *statusError) Error() string {
	s := fmt.Sprintf("server answered %d", e.Code)
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	return s
}

// retryable reports whether sending the same request later may succeed:
// network errors, 429 and 5xx. Other 4xx are our mistake or a refused
// token and are not retried as they are.
func retryable(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.Code == http.StatusTooManyRequests || se.Code >= 500
	}
	return true
}

// pullChecks fetches the zone's checks. changed is false when the server
// answered 304 for etag.
func (c *client) pullChecks(ctx context.Context, etag string) (cs Checks, newETag string, changed bool, err error) {
	u := c.base + ChecksPath + "?zone=" + url.QueryEscape(c.zone)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return cs, "", false, err
	}
	c.authorize(req)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return cs, "", false, fmt.Errorf("pull checks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return cs, etag, false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return cs, "", false, fmt.Errorf("pull checks: %w", readError(resp))
	}
	limit := c.maxChecks
	if limit <= 0 {
		limit = maxChecksBytes
	}
	lr := &io.LimitedReader{R: resp.Body, N: limit + 1}
	if err := json.NewDecoder(lr).Decode(&cs); err != nil {
		if lr.N <= 0 {
			return cs, "", false, fmt.Errorf("pull checks: the list is larger than the %d MiB an agent reads", limit>>20)
		}
		return cs, "", false, fmt.Errorf("pull checks: decode: %w", err)
	}
	return cs, resp.Header.Get("ETag"), true, nil
}

// push sends one batch and returns the acknowledged sequence.
func (c *client) push(ctx context.Context, p *Push) (Ack, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return Ack{}, fmt.Errorf("push: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+ResultsPath, bytes.NewReader(body))
	if err != nil {
		return Ack{}, err
	}
	c.authorize(req)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return Ack{}, fmt.Errorf("push: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Ack{}, fmt.Errorf("push: %w", readError(resp))
	}
	var ack Ack
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ack); err != nil {
		return Ack{}, fmt.Errorf("push: decode answer: %w", err)
	}
	return ack, nil
}

func (c *client) authorize(req *http.Request) {
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", c.ua)
}

// readError turns an error answer into a statusError with the server's
// {"error","field"} message and Retry-After.
func readError(resp *http.Response) error {
	se := &statusError{Code: resp.StatusCode}
	var body struct {
		Error string `json:"error"`
		Field string `json:"field"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(raw, &body) == nil {
		se.Msg, se.Field = body.Error, body.Field
	} else {
		se.Msg = strings.TrimSpace(string(raw))
		if len(se.Msg) > 200 {
			se.Msg = se.Msg[:200]
		}
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			se.RetryAfter = time.Duration(n) * time.Second
		} else if t, err := http.ParseTime(s); err == nil {
			se.RetryAfter = time.Until(t)
		}
	}
	return se
}
