package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/heartbeat"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// heartbeatTokenPrefix starts every heartbeat token, so a leaked one is
// recognisable.
const heartbeatTokenPrefix = "ampel_hb_"

// newHeartbeats watches the heartbeat checks from now on: their calls
// enter ingest like probe results, stored before they are answered. tick,
// run by the leader until its ctx ends, records every second the calls
// that did not come.
//
// Each run of tick (each term of a cluster leader, or the one of a single
// node) first resumes the monitor from the stored results, so a call
// that the node before this one received still counts.
func newHeartbeats(cfg *config.Config, st *store.Store, in *ingest.Ingest, w *store.Writer, logger *slog.Logger) (m *heartbeat.Monitor, tick func(context.Context)) {
	m = heartbeat.New(cfg, time.Now(), in.Handle, w.Flush)
	return m, func(ctx context.Context) {
		if m.Len() == 0 {
			return
		}
		now := time.Now()
		err := m.Resume(now, func(check string, since time.Time) ([]status.Result, error) {
			return st.Results(ctx, check, since, now.Add(time.Second), 500)
		})
		if err != nil {
			logger.Warn("heartbeat: read the last calls", "err", err)
		}
		everySecond(ctx, m.Tick)
	}
}

// heartbeatCheck reports whether cfg has a heartbeat check named name.
func heartbeatCheck(cfg *config.Config, name string) bool {
	for _, comp := range cfg.Components {
		for _, chk := range comp.Checks {
			if chk.Name == name && chk.Kind == "heartbeat" {
				return true
			}
		}
	}
	return false
}
