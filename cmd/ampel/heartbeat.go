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

// startHeartbeats watches the heartbeat checks from now on: their calls
// enter ingest like probe results, stored before they are answered, and
// a tick every second records the calls that did not come.
func startHeartbeats(cfg *config.Config, in *ingest.Ingest, w *store.Writer) (*heartbeat.Monitor, func()) {
	m := heartbeat.New(cfg, time.Now(), in.Handle, w.Flush)
	if m.Len() == 0 {
		return m, func() {}
	}
	return m, runUntilStopped(func(ctx context.Context) { everySecond(ctx, m.Tick) })
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
