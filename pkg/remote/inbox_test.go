package remote

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/agent"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/heartbeat"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const clusterConfig = `
[site]
title = "T"
[storage]
path = "ampel.db"
[[zones]]
name = "eu"
kind = "remote"
[[zones]]
name = "local"
kind = "local"
[[components]]
slug = "api"
name = "API"
  [[components.checks]]
  name = "api-health"
  kind = "tcp"
  target = "127.0.0.1:1"
  zones = ["eu"]
  failures_to_down = 1
[[components]]
slug = "jobs"
name = "Jobs"
  [[components.checks]]
  name = "backup"
  kind = "heartbeat"
  interval = "1h"
  zones = ["local"]
`

// Three nodes on one PostgreSQL. An agent pushes to node A; its ack is
// lost and it sends again to node B, with more. Both acknowledge only
// what is stored; the inbox holds each (agent, seq) once. A heartbeat
// call reaches node B. The leader, node C, applies all of it in order
// into ingest: every result stored once, the state moved by them.
func TestInboxAcrossNodes(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "ampel.toml"), []byte(clusterConfig), []string{"tcp", "heartbeat"})
	if err != nil {
		t.Fatal(err)
	}
	dsn := pgtest.DB(t)
	ctx := context.Background()
	open := func() *store.Store {
		st, err := store.OpenPostgres(ctx, dsn, store.PostgresOptions{MaxReadConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	now := time.Now().UTC().Truncate(time.Second)
	receiver := func(st *store.Store) *Receiver {
		r, err := New(Options{Config: cfg, Store: st, Inbox: true, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	stA, stB, stC := open(), open(), open()
	a, b := receiver(stA), receiver(stB)
	push := func(seqs ...int64) *agent.Push {
		p := &agent.Push{Agent: "edge-1", Zone: "eu", SentAt: now}
		for _, s := range seqs {
			outcome := "up"
			if s == 7 {
				outcome = "down"
			}
			p.Results = append(p.Results, agent.Result{Seq: s, Check: "api-health", Start: now.Add(time.Duration(s-10) * time.Second), Outcome: outcome, Reason: "r"})
		}
		return p
	}
	if ack, err := a.Accept(ctx, "eu", push(1, 2, 3, 4, 5)); err != nil || ack.Acked != 5 {
		t.Fatalf("push to A: %+v, %v", ack, err)
	}
	if ack, err := b.Accept(ctx, "eu", push(4, 5, 6, 7)); err != nil || ack.Acked != 7 {
		t.Fatalf("resend to B: %+v, %v", ack, err)
	}
	mon := heartbeat.New(cfg, now, nil, nil)
	mon.SetForward(func(ctx context.Context, check string, p heartbeat.Ping, at time.Time) error {
		body, _ := json.Marshal(p)
		_, err := stB.PutInbox(ctx, HeartbeatSource+check, []store.InboxEntry{{Body: body}}, at)
		return err
	})
	if err := mon.Push(ctx, "backup", heartbeat.Ping{Signal: heartbeat.Success, ExitStatus: -1, Message: "done"}, now); err != nil {
		t.Fatal(err)
	}
	if pending, err := stC.PendingInbox(ctx, 100); err != nil || len(pending) != 8 {
		t.Fatalf("inbox holds %d entries (%v), want 7 results and 1 call", len(pending), err)
	}
	if ag, ok, err := stC.Agent(ctx, "edge-1"); err != nil || !ok || ag.AckedSeq != 7 || ag.Results != 7 || ag.Resent != 2 {
		t.Fatalf("agent row %+v %v %v", ag, ok, err)
	}

	// The leader.
	engine := state.New(cfg)
	w := stC.StartWriter(store.WriterOptions{})
	defer w.Close(ctx)
	in := ingest.New(engine, w, nil)
	leaderMon := heartbeat.New(cfg, now.Add(-time.Minute), in.Handle, w.Flush)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		RunInbox(runCtx, InboxOptions{Store: stC, Handle: in.Handle, Commit: w.Flush, Poll: 100 * time.Millisecond,
			Heartbeat: func(ctx context.Context, check string, body json.RawMessage, at time.Time) error {
				var p heartbeat.Ping
				if err := json.Unmarshal(body, &p); err != nil {
					return err
				}
				return leaderMon.Apply(ctx, check, p, at)
			}})
	}()
	defer func() { stop(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pending, err := stC.PendingInbox(ctx, 100)
		if err == nil && len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the leader left %d entries pending (%v)", len(pending), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, err := stC.Results(ctx, "api-health", now.Add(-time.Hour), now.Add(time.Hour), 0)
	if err != nil || len(res) != 7 {
		t.Fatalf("%d results of api-health stored (%v), want 7", len(res), err)
	}
	if c, _ := engine.Component("api"); c.Level != status.Down {
		t.Errorf("api is %s after the last result (down)", c.Level)
	}
	if c, _ := engine.Component("jobs"); c.Level != status.Up {
		t.Errorf("jobs is %s after the heartbeat call", c.Level)
	}
}
