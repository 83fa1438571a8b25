package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/spool"
	"github.com/ampelstatus/ampel/pkg/status"
)

// encodeResult is the spooled form of a result (the sequence number is
// the spool's).
func encodeResult(r status.Result) []byte {
	w := Result{
		Check: r.Check, Instance: r.Instance, Start: r.Start.UTC(), DurationUS: r.Duration.Microseconds(),
		Outcome: r.Outcome.String(), Reason: r.Reason, Detail: r.Detail, Notice: r.Notice,
	}
	if r.HasValue {
		w.Value = &r.Value
	}
	b, _ := json.Marshal(w)
	return b
}

// pushLoop sends the spool's oldest records until runCtx ends, then
// drains what it can until stopCtx ends or the spool is empty. Only a
// refused token ends it with an error.
func (a *Agent) pushLoop(stopCtx, runCtx context.Context) error {
	batch := a.opts.BatchSize
	backoff := time.Duration(0)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastPush time.Time
	for {
		if stopCtx.Err() != nil {
			return nil
		}
		recs := a.spool.Peek(batch)
		if len(recs) == 0 {
			if runCtx.Err() != nil {
				return nil
			}
			select {
			case <-a.spooled:
			case <-tick.C:
				a.spool.Enforce()
			case <-runCtx.Done():
			}
			continue
		}
		if wait := a.opts.PushGap - time.Since(lastPush); wait > 0 && len(recs) < batch && runCtx.Err() == nil {
			// Let more results gather: a push costs the server a commit
			// and a bookkeeping write however little it carries.
			select {
			case <-time.After(wait):
			case <-runCtx.Done():
			}
			continue
		}
		lastPush = time.Now()
		err := a.pushBatch(stopCtx, recs)
		if err == nil {
			backoff, batch = 0, a.opts.BatchSize
			continue
		}
		var se *statusError
		isStatus := errors.As(err, &se)
		switch {
		case isStatus && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden):
			a.log.Error("agent: server refused the token; not retrying", "err", err)
			return fmt.Errorf("%w: %v", ErrRefused, err)
		case isStatus && !retryable(err) && !strings.HasPrefix(se.Field, "results"):
			// Not about the results (this agent's identity or zone, say
			// a spool folder copied from another zone): nothing to drop;
			// stop with the spool intact for an operator to fix.
			a.log.Error("agent: server refused this agent; not retrying", "err", err)
			return fmt.Errorf("%w: %v", ErrRefused, err)
		case !retryable(err):
			// The batch itself is refused: halve it until the one record
			// the server cannot take is alone, then skip it as dropped so
			// it shows as a gap rather than blocking everything behind.
			if len(recs) > 1 {
				batch = max(len(recs)/2, 1)
				a.log.Warn("agent: server refused a batch; retrying smaller", "err", err, "batch", batch)
				continue
			}
			a.log.Error("agent: server refused a result; dropping it", "err", err, "seq", recs[0].Seq)
			if err := a.spool.Discard(recs[0].Seq); err != nil {
				a.log.Error("agent: discard result", "err", err)
			}
			continue
		}
		backoff = nextBackoff(backoff)
		wait := backoff
		if isStatus && se.RetryAfter > 0 {
			wait = se.RetryAfter
		}
		if runCtx.Err() != nil {
			return nil // shutting down: the spool keeps the rest
		}
		if backoff <= 500*time.Millisecond || isStatus {
			a.log.Warn("agent: push failed; results stay in the spool", "err", err, "retry_in", wait.String())
		}
		select {
		case <-time.After(wait):
		case <-runCtx.Done():
		}
	}
}

// nextBackoff doubles from 250ms up to 30s, with jitter so that agents
// cut off together do not return together.
func nextBackoff(d time.Duration) time.Duration {
	d = min(max(d*2, 250*time.Millisecond), 30*time.Second)
	return d/2 + rand.N(d/2+1)
}

// pushBatch sends records and applies the server's acknowledgement.
func (a *Agent) pushBatch(ctx context.Context, recs []spool.Record) error {
	st := a.spool.Stats()
	p := &Push{
		Agent: a.spool.ID(), Zone: a.opts.Zone, Version: a.opts.Version, SentAt: time.Now().UTC(),
		SpoolDepth: int64(st.Depth), SpoolDropped: st.Dropped,
		Results: make([]Result, 0, len(recs)),
	}
	for _, rec := range recs {
		var r Result
		if err := json.Unmarshal(rec.Data, &r); err != nil {
			// Only a damaged spool file gets here; the server records
			// the missing sequence as a gap.
			a.log.Error("agent: unreadable spooled result skipped", "err", err, "seq", rec.Seq)
			continue
		}
		r.Seq = rec.Seq
		p.Results = append(p.Results, r)
	}
	ack, err := a.client.push(ctx, p)
	if err != nil {
		return err
	}
	if ack.Acked < recs[len(recs)-1].Seq {
		return fmt.Errorf("push: server acknowledged %d of up to %d", ack.Acked, recs[len(recs)-1].Seq)
	}
	if off := ack.ServerTime.Sub(p.SentAt); off > 30*time.Second || off < -30*time.Second {
		a.log.Warn("agent: clock differs from the server's", "offset", off.Round(time.Second).String())
	}
	return a.spool.Ack(ack.Acked)
}
