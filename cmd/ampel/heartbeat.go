package main

import (
	"context"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/heartbeat"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/store"
)

// heartbeatTokenPrefix starts every heartbeat token, so a leaked one is
// recognisable.
const heartbeatTokenPrefix = "ampel_hb_"

// newHeartbeats watches the heartbeat checks from now on: their calls
// enter ingest like probe results, stored before they are answered. tick,
// run by the leader until its ctx ends, records every second the calls
// that did not come.
func newHeartbeats(cfg *config.Config, in *ingest.Ingest, w *store.Writer) (m *heartbeat.Monitor, tick func(context.Context)) {
	m = heartbeat.New(cfg, time.Now(), in.Handle, w.Flush)
	return m, func(ctx context.Context) {
		if m.Len() > 0 {
			everySecond(ctx, m.Tick)
		}
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
