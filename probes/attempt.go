package probes

import (
	"context"
	"errors"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// attempt is one run of a probe: when it started and which timeout to name
// if the run is cut short by its deadline.
type attempt struct {
	start time.Time
	// limit is the configured timeout, or the time ctx had left at the start
	// when none is configured; zero when neither is known.
	limit time.Duration
}

// noCancel lets begin return a CancelFunc without allocating one when it
// did not derive a context.
func noCancel() {}

// begin starts a run. It bounds ctx by the check's timeout only when the
// caller's deadline is later (or absent): the scheduler normally passes the
// same deadline already, and deriving a context costs a timer per run.
func begin(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc, attempt) {
	now := time.Now()
	a := attempt{start: now, limit: timeout}
	deadline, ok := ctx.Deadline()
	if timeout <= 0 {
		if ok {
			// The caller's deadline was set a moment ago: name it, not
			// the 399.98ms left of its 400ms.
			a.limit = deadline.Sub(now).Round(10 * time.Millisecond)
		}
		return ctx, noCancel, a
	}
	if ok && !deadline.After(now.Add(timeout)) {
		return ctx, noCancel, a
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, cancel, a
}

// elapsed is the run's duration so far.
func (a attempt) elapsed() time.Duration { return time.Since(a.start) }

// fail turns an error into a Down observation: a public reason that names no
// target, and the full error as detail for operators. fallback is the reason
// when the error is of no known sort ("request failed"). A failure of
// Ampel's own machine is no data instead (see localReason).
func (a attempt) fail(ctx context.Context, err error, fallback string) Observation {
	if r := localReason(err); r != "" {
		return notProbed(r, err, a.elapsed())
	}
	return Observation{
		Outcome:  status.Down,
		Reason:   a.reason(ctx, err, fallback),
		Detail:   err.Error(),
		Duration: a.elapsed(),
	}
}

// reason names what went wrong in words safe for the public. The context
// is asked first: when the deadline has passed, whatever error the cut
// connection produced is a consequence of the timeout.
func (a attempt) reason(ctx context.Context, err error, fallback string) string {
	switch {
	case errors.Is(err, errTooManyRedirects):
		return "too many redirects"
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return a.timeoutReason()
	case ctx.Err() != nil, errors.Is(err, context.Canceled):
		return "probe canceled"
	}
	if r := certReason(err); r != "" {
		return r
	}
	if r := netReason(err); r != "" {
		return r
	}
	return fallback
}

// timeoutReason says how long the probe waited: "timeout after 5s".
func (a attempt) timeoutReason() string {
	if a.limit <= 0 {
		return "timeout"
	}
	return "timeout after " + formatDuration(a.limit)
}
