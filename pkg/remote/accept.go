package remote

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/ampelstatus/ampel/pkg/agent"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

var agentID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Accept records a push from an agent of zone and returns the
// acknowledgement, only once the results are committed. Results whose
// sequence is already acknowledged are resends and ignored; a jump in the
// sequence is counted as a gap; results the server cannot take (a check
// not assigned to the zone, a start time in the future) are counted as
// rejected and acknowledged, so they never block the agent's spool.
func (r *Receiver) Accept(ctx context.Context, zone string, p *agent.Push) (agent.Ack, error) {
	now := r.opts.Now()
	if err := validatePush(zone, p); err != nil {
		return agent.Ack{}, err
	}
	if !r.opts.Inbox && r.opts.Writer.Queued() > r.opts.MaxQueued {
		return agent.Ack{}, &Error{Status: http.StatusServiceUnavailable, Msg: "the server is busy", RetryAfter: 5 * time.Second}
	}
	as := r.agent(p.Agent)
	if as == nil {
		return agent.Ack{}, &Error{Status: http.StatusServiceUnavailable, Msg: "the server is shutting down", RetryAfter: 5 * time.Second}
	}
	if !as.mu.TryLock() {
		return agent.Ack{}, &Error{Status: http.StatusTooManyRequests, Field: "agent", Msg: "a push of this agent is in progress", RetryAfter: time.Second}
	}
	defer as.mu.Unlock()
	if err := r.load(ctx, as, p.Agent, zone); err != nil {
		return agent.Ack{}, err
	}
	r.checkClock(as, p, zone, now)

	slices.SortFunc(p.Results, func(a, b agent.Result) int { return cmp.Compare(a.Seq, b.Seq) })
	push := store.AgentPush{
		Version: p.Version, SpoolDepth: p.SpoolDepth, SpoolDropped: p.SpoolDropped,
		Received: now, AgentSentAt: p.SentAt,
	}
	// Sequences are validated to 1..MaxSeq and acked is at least 0, so
	// the differences cannot overflow, even against a row acknowledged
	// beyond MaxSeq before the bound existed (everything is a resend).
	acked := as.acked
	var entries []store.InboxEntry
	for _, wr := range p.Results {
		if wr.Seq <= acked {
			push.Resent++
			continue
		}
		push.Gap += wr.Seq - acked - 1
		acked = wr.Seq
		res, ok := r.result(zone, wr, now)
		if !ok {
			push.Rejected++
			continue
		}
		if r.opts.Inbox {
			entries = append(entries, store.InboxEntry{Seq: wr.Seq, Body: encodeResult(res)})
			continue
		}
		r.opts.Ingest.Handle(res)
		push.Results++
	}
	push.AckedSeq = acked
	if r.opts.Inbox {
		// Durable in the inbox before the ack; a result another node
		// already stored (a resend after a lost ack) is stored once.
		stored, err := r.opts.Store.PutInbox(ctx, agentSource+p.Agent, entries, now)
		if err != nil {
			r.log.Error("remote: store push in the inbox", "err", err, "agent", p.Agent)
			return agent.Ack{}, errUnavailable
		}
		push.Results, push.Resent = int64(stored), push.Resent+int64(len(entries)-stored)
	} else if push.Results > 0 {
		if err := r.commit(ctx); err != nil {
			return agent.Ack{}, err
		}
	}
	if err := r.opts.Store.RecordAgentPush(ctx, p.Agent, zone, push); err != nil {
		r.log.Error("remote: record agent push", "err", err, "agent", p.Agent)
		return agent.Ack{}, errUnavailable
	}
	as.acked = push.AckedSeq
	if push.Gap > 0 {
		r.log.Warn("remote: sequence gap: results the agent never sent", "agent", p.Agent, "zone", zone, "missing", push.Gap)
	}
	if r.opts.OnPush != nil {
		if a, ok, err := r.opts.Store.Agent(ctx, p.Agent); err == nil && ok {
			r.opts.OnPush(a)
		}
	}
	return agent.Ack{Acked: as.acked, ServerTime: now.UTC()}, nil
}

// commit waits until what this push queued has committed. A result dropped
// by the writer's queue bound meanwhile may be one of ours: refuse the
// acknowledgement, and the resend will be stored once.
func (r *Receiver) commit(ctx context.Context) error {
	w := r.opts.Writer
	dropped := w.Dropped()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := w.Flush(ctx); err != nil {
		r.log.Warn("remote: push not committed", "err", err)
		return errUnavailable
	}
	if w.Dropped() != dropped {
		return errUnavailable
	}
	return nil
}

// agent returns the agent's state; nil once the receiver is stopped.
func (r *Receiver) agent(id string) *agentState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return nil
	}
	as := r.agents[id]
	if as == nil {
		as = &agentState{}
		r.agents[id] = as
	}
	return as
}

// load reads the agent's acknowledged sequence on its first push since
// start. Called with as.mu held.
func (r *Receiver) load(ctx context.Context, as *agentState, id, zone string) error {
	// In a cluster another node may have taken the agent's last pushes:
	// its acknowledged sequence is read every time.
	if !as.loaded || r.opts.Inbox {
		a, ok, err := r.opts.Store.Agent(ctx, id)
		if err != nil {
			r.log.Error("remote: read agent", "err", err, "agent", id)
			return errUnavailable
		}
		as.loaded, as.zone = true, zone
		if ok {
			as.acked, as.zone = a.AckedSeq, a.Zone
		}
	}
	if as.zone != zone {
		return refuse(http.StatusConflict, "agent", "agent %s pushed for zone %s before; a spool folder belongs to one zone", id, as.zone)
	}
	return nil
}

// checkClock flags an agent whose clock differs from the server's by more
// than MaxClockOffset, logging once per episode.
func (r *Receiver) checkClock(as *agentState, p *agent.Push, zone string, now time.Time) {
	off := p.SentAt.Sub(now)
	skewed := off > MaxClockOffset || off < -MaxClockOffset
	switch {
	case skewed && !as.skewed:
		r.log.Warn("remote: agent clock is off; results starting in the future are rejected",
			"agent", p.Agent, "zone", zone, "offset", off.Round(time.Second).String())
	case !skewed && as.skewed:
		r.log.Info("remote: agent clock is back in step", "agent", p.Agent, "zone", zone)
	}
	as.skewed = skewed
}

// result converts a pushed result; ok is false when it must be rejected.
// Results starting more than MaxClockOffset after the server's now cannot
// be true and would push the timeline forward; results older than the
// retention would be pruned at once.
func (r *Receiver) result(zone string, wr agent.Result, now time.Time) (status.Result, bool) {
	if !r.runs[checkZone{wr.Check, zone}] {
		return status.Result{}, false
	}
	out, err := status.ParseLevel(wr.Outcome)
	// no_data is an agent's probe that could not run for a local reason.
	if err != nil || (out != status.Up && out != status.Degraded && out != status.Down && out != status.NoData) {
		return status.Result{}, false
	}
	if wr.Start.After(now.Add(MaxClockOffset)) || wr.Start.Before(now.Add(-r.opts.Config.Storage.Retention.D())) {
		return status.Result{}, false
	}
	res := status.Result{
		Check: wr.Check, Zone: zone, Instance: clip(wr.Instance, 256), Start: wr.Start.UTC(),
		Duration: time.Duration(max(wr.DurationUS, 0)) * time.Microsecond,
		Outcome:  out, Reason: clip(wr.Reason, 200), Detail: clip(wr.Detail, 4000),
		Notice: clip(wr.Notice, 1000),
	}
	if wr.Value != nil {
		// JSON has no NaN or infinity, so a decoded value is finite.
		res.Value, res.HasValue = *wr.Value, true
	}
	return res, true
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func validatePush(zone string, p *agent.Push) error {
	switch {
	case !agentID.MatchString(p.Agent):
		return refuse(http.StatusBadRequest, "agent", "agent must be 1 to 64 letters, digits, - or _")
	case p.Zone != zone:
		return refuse(http.StatusForbidden, "zone", "this token is for zone %q, not %q", zone, p.Zone)
	case p.SentAt.IsZero():
		return refuse(http.StatusBadRequest, "sent_at", "sent_at is required")
	case len(p.Results) > agent.MaxPushResults:
		return refuse(http.StatusRequestEntityTooLarge, "results", "at most %d results per push", agent.MaxPushResults)
	}
	for i, res := range p.Results {
		if res.Seq <= 0 || res.Seq > agent.MaxSeq {
			return refuse(http.StatusBadRequest, fmt.Sprintf("results[%d].seq", i), "seq must be a whole number from 1 to %d", agent.MaxSeq)
		}
	}
	return nil
}
