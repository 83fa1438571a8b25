package main

import (
	"context"
	"log/slog"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/pkg/remote"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/probes/schedule"
	"github.com/ampelstatus/ampel/store"
)

// recordInstances makes the jobs hand each pod's own result to record.
func recordInstances(js []schedule.Job, record func(status.Result)) []schedule.Job {
	for i := range js {
		js[i].Env.Record = record
	}
	return js
}

func isRemoteZone(zones []config.Zone, name string) bool {
	for _, z := range zones {
		if z.Name == name && z.Kind == "remote" {
			return true
		}
	}
	return false
}

// startRemote prepares the agent API when the config has remote zones
// (nil otherwise) and publishes what the store knows of agents as
// metrics. The staleness tick is the leader's (see leader.start).
func startRemote(ctx context.Context, cfg *config.Config, st *store.Store, w *store.Writer, engine *state.Engine, in *ingest.Ingest, m *metrics.Metrics, logger *slog.Logger) (*remote.Receiver, error) {
	m.ZoneFreshness(func() map[string][2]int {
		out := map[string][2]int{}
		for zone, f := range engine.Freshness() {
			out[zone] = [2]int{f.Fresh, f.Stale}
		}
		return out
	})
	hasRemote := false
	for _, z := range cfg.Zones {
		hasRemote = hasRemote || z.Kind == "remote"
	}
	if !hasRemote {
		return nil, nil
	}
	observe := func(a store.Agent) {
		m.ObserveAgent(metrics.AgentStatus{
			Zone: a.Zone, Agent: a.ID, LastSeen: a.Received, SpoolDepth: a.SpoolDepth, SpoolDropped: a.SpoolDropped,
			ClockOffset: a.ClockOffset, Gap: a.Gap, Acked: a.AckedSeq,
		})
	}
	agents, err := st.Agents(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range agents {
		observe(a)
	}
	return remote.New(remote.Options{Config: cfg, Store: st, Writer: w, Ingest: in, Logger: logger, OnPush: observe, Inbox: cfg.Cluster.Enabled})
}
