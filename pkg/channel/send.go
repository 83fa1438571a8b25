package channel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"

	"github.com/ampelstatus/ampel/pkg/safehttp"
)

// Outcome is what to do with a delivery after an attempt.
type Outcome int

// The outcomes.
const (
	// Delivered: the receiver answered 2xx.
	Delivered Outcome = iota
	// Retry: a 5xx, a 429, a timeout or a receiver that could not be
	// reached; try again after a backoff (and Retry-After, when given).
	Retry
	// Permanent: any other answer (a 4xx other than 429, a 3xx) or a
	// refused address; trying again would get the same.
	Permanent
)

func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	}
	return "failed"
}

// Attempt is the record of one try: what the console lists per channel
// and what the outbox stores.
type Attempt struct {
	Outcome Outcome
	// Status is the HTTP status code, 0 when no answer came.
	Status int
	// Latency is from sending the request to having read the answer.
	Latency time.Duration
	// RetryAfter is the receiver's Retry-After (on 429 and 5xx), 0 when
	// absent or unreadable.
	RetryAfter time.Duration
	// Err says why the attempt did not deliver; nil when it did.
	Err error
	// Answer is the start of the receiver's answer body, for operators.
	Answer string
}

// answerMax is how much of an answer an Attempt keeps.
const answerMax = 512

// Send makes one attempt of d through c (which applies the SSRF policy
// and the bounds) and classifies it. now reads the clock for the latency
// and for Retry-After dates.
func Send(ctx context.Context, c *safehttp.Client, d Delivery, now func() time.Time) Attempt {
	req, err := http.NewRequestWithContext(ctx, d.Method, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return Attempt{Outcome: Permanent, Err: fmt.Errorf("build request: %w", err)}
	}
	for name, vs := range d.Header {
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				// Sending would fail the same way every time (a token file
				// with a stray control character, say): not worth a retry.
				return Attempt{Outcome: Permanent, Err: fmt.Errorf("header %s holds characters HTTP does not allow", name)}
			}
		}
	}
	req.Header = d.Header.Clone()
	start := now()
	resp, err := c.Do(req)
	a := Attempt{Latency: now().Sub(start)}
	if resp != nil {
		a.Status = resp.Status
		a.Answer = answerText(resp.Body)
	}
	if err != nil {
		a.Err = err
		a.Outcome = classifyError(err)
		return a
	}
	a.Outcome = classifyStatus(resp.Status)
	if a.Outcome == Retry {
		a.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now())
	}
	if a.Outcome != Delivered {
		a.Err = fmt.Errorf("receiver answered %d %s", resp.Status, http.StatusText(resp.Status))
	}
	return a
}

// classifyStatus: 2xx done; 429 and 5xx again; anything else will not
// change by asking again (Statuspage counts 3xx as failure too).
func classifyStatus(code int) Outcome {
	switch {
	case code >= 200 && code < 300:
		return Delivered
	case code == http.StatusTooManyRequests || code >= 500:
		return Retry
	}
	return Permanent
}

// classifyError: a refused address, a bad URL, a redirect loop or a
// redirect that would drop the body is the URL's fault and permanent; the
// rest (timeouts, refused connections, failed DNS, cut connections) are
// the network's and worth a retry.
func classifyError(err error) Outcome {
	var blocked *safehttp.BlockedError
	switch {
	case errors.As(err, &blocked),
		errors.Is(err, safehttp.ErrScheme),
		errors.Is(err, safehttp.ErrTooManyRedirects),
		errors.Is(err, safehttp.ErrRedirectDropsBody):
		return Permanent
	}
	return Retry
}

// retryAfter reads a Retry-After header, in seconds or an HTTP date
// (RFC 9110, 10.2.3); a date in the past or junk is 0.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Wait is how long to wait before the next attempt: the caller's backoff
// (doubled per attempt, spread, capped), or the receiver's Retry-After if
// that is longer, but never more than ceiling.
func Wait(a Attempt, backoff, ceiling time.Duration) time.Duration {
	return min(max(backoff, a.RetryAfter), ceiling)
}

// answerText keeps the start of an answer as valid text.
func answerText(b []byte) string {
	if len(b) > answerMax {
		b = b[:answerMax]
	}
	return strings.ToValidUTF8(string(bytes.TrimRight(b, "\n")), string(utf8.RuneError))
}
