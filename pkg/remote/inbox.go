package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Sources of inbox entries: an agent's results are stored under
// "agent:" and its id, a heartbeat check's calls under "heartbeat:" and
// the check.
const (
	agentSource     = "agent:"
	HeartbeatSource = "heartbeat:"
)

// inboxResult is a pushed result as the inbox keeps it.
type inboxResult struct {
	Check    string   `json:"check"`
	Zone     string   `json:"zone"`
	Instance string   `json:"instance,omitempty"`
	StartMS  int64    `json:"start_ms"`
	DurUS    int64    `json:"duration_us"`
	Outcome  string   `json:"outcome"`
	Reason   string   `json:"reason,omitempty"`
	Detail   string   `json:"detail,omitempty"`
	Notice   string   `json:"notice,omitempty"`
	Value    *float64 `json:"value,omitempty"`
}

func encodeResult(r status.Result) json.RawMessage {
	ir := inboxResult{
		Check: r.Check, Zone: r.Zone, Instance: r.Instance, StartMS: r.Start.UnixMilli(), DurUS: r.Duration.Microseconds(),
		Outcome: r.Outcome.String(), Reason: r.Reason, Detail: r.Detail, Notice: r.Notice,
	}
	if r.HasValue {
		ir.Value = &r.Value
	}
	b, _ := json.Marshal(ir) // plain strings and numbers: cannot fail
	return b
}

func decodeResult(b []byte) (status.Result, error) {
	var ir inboxResult
	if err := json.Unmarshal(b, &ir); err != nil {
		return status.Result{}, err
	}
	out, err := status.ParseLevel(ir.Outcome)
	if err != nil {
		return status.Result{}, err
	}
	r := status.Result{
		Check: ir.Check, Zone: ir.Zone, Instance: ir.Instance, Start: time.UnixMilli(ir.StartMS).UTC(),
		Duration: time.Duration(ir.DurUS) * time.Microsecond, Outcome: out, Reason: ir.Reason, Detail: ir.Detail,
		Notice: ir.Notice,
	}
	if ir.Value != nil {
		r.Value, r.HasValue = *ir.Value, true
	}
	return r, nil
}

// InboxOptions wire RunInbox.
type InboxOptions struct {
	Store *store.Store
	// Handle gives an agent's result to ingest.
	Handle func(status.Result)
	// Heartbeat applies a heartbeat call stored by a node: check, the
	// call's body as that node stored it, and when it came.
	Heartbeat func(ctx context.Context, check string, body json.RawMessage, at time.Time) error
	// Commit waits until what was handed to ingest is stored (the
	// writer's Flush): entries are marked applied only then.
	Commit func(context.Context) error
	// Poll is the safety net besides NOTIFY; default 1s.
	Poll   time.Duration
	Logger *slog.Logger
}

// RunInbox applies, on the leader, what any node stored in the inbox, in
// the order stored, until ctx ends: on every notification, after every
// reconnect of its listener and every Poll. An entry is marked applied
// once ingest committed it; one applied again after a crash in between
// changes nothing (the results' key and the engine's order refuse it).
func RunInbox(ctx context.Context, o InboxOptions) {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		o.Store.Listen(ctx, store.ListenOptions{Logger: o.Logger}, func(string, string) {
			select {
			case wake <- struct{}{}:
			default:
			}
		}, store.ChannelInbox)
	}()
	defer func() { <-done }()
	poll := time.NewTicker(o.Poll)
	defer poll.Stop()
	failing := false
	for {
		err := applyInbox(ctx, o)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			o.Logger.Warn("apply the inbox", "err", err)
			failing = true
		case err == nil && failing:
			o.Logger.Info("applying the inbox again")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-poll.C:
		}
	}
}

// inboxBatch bounds the entries applied between two commits.
const inboxBatch = 500

// applyInbox applies every pending entry.
func applyInbox(ctx context.Context, o InboxOptions) error {
	for {
		items, err := o.Store.PendingInbox(ctx, inboxBatch)
		if err != nil || len(items) == 0 {
			return err
		}
		ids := make([]int64, 0, len(items))
		for _, it := range items {
			switch {
			case strings.HasPrefix(it.Source, agentSource):
				r, err := decodeResult(it.Body)
				if err != nil {
					// Not ours to fix: mark it so it blocks nothing.
					o.Logger.Error("inbox entry unreadable", "id", it.ID, "source", it.Source, "err", err)
					break
				}
				o.Handle(r)
			case strings.HasPrefix(it.Source, HeartbeatSource):
				if o.Heartbeat == nil {
					break
				}
				if err := o.Heartbeat(ctx, strings.TrimPrefix(it.Source, HeartbeatSource), it.Body, it.Received); err != nil {
					return fmt.Errorf("heartbeat call %d: %w", it.ID, err)
				}
			default:
				o.Logger.Error("inbox entry of an unknown source", "id", it.ID, "source", it.Source)
			}
			ids = append(ids, it.ID)
		}
		if err := o.Commit(ctx); err != nil {
			return fmt.Errorf("commit inbox entries: %w", err)
		}
		if err := o.Store.MarkInboxApplied(ctx, ids, time.Now()); err != nil {
			return err
		}
		if len(items) < inboxBatch {
			return nil
		}
	}
}
