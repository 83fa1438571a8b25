package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/ampelstatus/ampel/pkg/heartbeat"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/remote"
	"github.com/ampelstatus/ampel/store"
)

// forwardHeartbeats makes every node store the heartbeat calls it
// receives in the inbox, answered once committed there, for the
// leader's monitor (applyInbox).
func forwardHeartbeats(m *heartbeat.Monitor, st *store.Store) {
	m.SetForward(func(ctx context.Context, check string, p heartbeat.Ping, at time.Time) error {
		body, err := json.Marshal(p)
		if err != nil {
			return err
		}
		_, err = st.PutInbox(ctx, remote.HeartbeatSource+check, []store.InboxEntry{{Body: body}}, at)
		return err
	})
}

// applyInbox is the leader's duty in a cluster: what any node stored in
// the inbox enters ingest (agents' results) and the leader's heartbeat
// monitor (calls), in order, until ctx ends.
func applyInbox(st *store.Store, in *ingest.Ingest, w *store.Writer, m *heartbeat.Monitor, logger *slog.Logger) func(context.Context) {
	return func(ctx context.Context) {
		remote.RunInbox(ctx, remote.InboxOptions{
			Store: st, Handle: in.Handle, Commit: w.Flush, Logger: logger,
			Heartbeat: func(ctx context.Context, check string, body json.RawMessage, at time.Time) error {
				var p heartbeat.Ping
				if err := json.Unmarshal(body, &p); err != nil {
					logger.Error("cluster: heartbeat call unreadable", "check", check, "err", err)
					return nil // nothing to retry
				}
				return m.Apply(ctx, check, p, at)
			},
		})
	}
}

// pruneClusterTables deletes what the inbox and the shared limits no
// longer need: entries applied a week ago (no agent resends so late) and
// counts of windows that ended (the longest is a day).
func pruneClusterTables(ctx context.Context, st *store.Store, logger *slog.Logger) {
	now := time.Now()
	if _, err := st.PruneInbox(ctx, now.Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
		logger.Warn("prune inbox", "err", err)
	}
	if _, err := st.PruneRateHits(ctx, now.Add(-48*time.Hour)); err != nil && ctx.Err() == nil {
		logger.Warn("prune rate limit counts", "err", err)
	}
}
