package heartbeat

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

var t0 = time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC)

// recorder keeps what the monitor emitted and how often it committed.
type recorder struct {
	results []status.Result
	commits int
}

func newMonitor(t *testing.T) (*Monitor, *recorder) {
	t.Helper()
	cfg := &config.Config{Components: []config.Component{{Slug: "jobs", Checks: []config.Check{{
		Name: "backup", Kind: "heartbeat", Interval: config.Duration(time.Minute), Zones: []string{"local"},
		Heartbeat: &config.Heartbeat{Grace: config.Duration(30 * time.Second), MaxRuntime: config.Duration(10 * time.Minute)},
	}, {
		Name: "api", Kind: "http", Interval: config.Duration(time.Minute), Zones: []string{"local"},
	}}}}}
	rec := &recorder{}
	m := New(cfg, t0, func(r status.Result) { rec.results = append(rec.results, r) },
		func(context.Context) error { rec.commits++; return nil })
	return m, rec
}

func (rec *recorder) last(t *testing.T) status.Result {
	t.Helper()
	if len(rec.results) == 0 {
		t.Fatal("no result")
	}
	return rec.results[len(rec.results)-1]
}

func TestMonitorCallsAndSilence(t *testing.T) {
	m, rec := newMonitor(t)
	ctx := context.Background()
	if m.Len() != 1 {
		t.Fatalf("watching %d checks, want the heartbeat only", m.Len())
	}
	if err := m.Push(ctx, "api", Ping{}, t0); err != ErrUnknownCheck {
		t.Fatalf("push to an http check: %v", err)
	}
	// Never called: down interval + grace after the start.
	m.Tick(t0.Add(89 * time.Second))
	if len(rec.results) != 0 {
		t.Fatalf("result before the grace ran out: %+v", rec.results)
	}
	m.Tick(t0.Add(91 * time.Second))
	r := rec.last(t)
	if r.Outcome != status.Down || r.Reason != "no heartbeat since Ampel started at 2026-12-06T21:00:00Z" || !r.Start.Equal(t0.Add(90*time.Second)) || r.Zone != "local" {
		t.Fatalf("missing call: %+v", r)
	}
	// A call: up, with its message for operators.
	at := t0.Add(100 * time.Second)
	if err := m.Push(ctx, "backup", Ping{Signal: Success, Message: "3 files"}, at); err != nil {
		t.Fatal(err)
	}
	if r := rec.last(t); r.Outcome != status.Up || r.Detail != "3 files" || !r.Start.Equal(at) || rec.commits != 1 {
		t.Fatalf("call: %+v (commits %d)", r, rec.commits)
	}
	// Silence again: one down result at interval + grace, then one per
	// interval however late the ticks come.
	m.Tick(at.Add(89 * time.Second))
	n := len(rec.results)
	m.Tick(at.Add(5 * time.Minute))
	if len(rec.results) != n+1 {
		t.Fatalf("%d results for one late tick", len(rec.results)-n)
	}
	if r := rec.last(t); r.Reason != "no heartbeat since 2026-12-06T21:01:40Z" || !r.Start.Equal(at.Add(90*time.Second)) {
		t.Fatalf("silence: %+v", r)
	}
	m.Tick(at.Add(5*time.Minute + 31*time.Second))
	if len(rec.results) != n+2 {
		t.Fatalf("no repeat an interval later: %+v", rec.results[n:])
	}
}

func TestMonitorRuns(t *testing.T) {
	m, rec := newMonitor(t)
	ctx := context.Background()
	start := t0.Add(time.Minute)
	if err := m.Push(ctx, "backup", Ping{Signal: Start}, start); err != nil {
		t.Fatal(err)
	}
	if len(rec.results) != 0 {
		t.Fatalf("a start call made a result: %+v", rec.results)
	}
	// A running job is judged by max_runtime, not by the missing call.
	m.Tick(start.Add(5 * time.Minute))
	if len(rec.results) != 0 {
		t.Fatalf("down while running: %+v", rec.results)
	}
	end := start.Add(7 * time.Minute)
	if err := m.Push(ctx, "backup", Ping{Signal: Failure, ExitStatus: 2}, end); err != nil {
		t.Fatal(err)
	}
	if r := rec.last(t); r.Outcome != status.Down || r.Reason != "job exited with status 2" || r.Duration != 7*time.Minute {
		t.Fatalf("failed run: %+v", r)
	}
	// Started, never finished: down at max_runtime.
	start = end.Add(time.Minute)
	_ = m.Push(ctx, "backup", Ping{Signal: Start}, start)
	m.Tick(start.Add(10*time.Minute - time.Second))
	n := len(rec.results)
	m.Tick(start.Add(10*time.Minute + time.Second))
	if len(rec.results) != n+1 {
		t.Fatalf("no result at max_runtime")
	}
	if r := rec.last(t); r.Outcome != status.Down || !strings.HasPrefix(r.Reason, "run started at 2026-12-06T21:09:00Z not finished within 10m") || !r.Start.Equal(start.Add(10*time.Minute)) {
		t.Fatalf("overrun: %+v", r)
	}
	// A call with the same clock reading still moves time forward.
	late := start.Add(10 * time.Minute)
	_ = m.Push(ctx, "backup", Ping{}, late)
	if r := rec.last(t); !r.Start.After(late) || r.Duration != 0 {
		t.Fatalf("same-instant call: %+v", r)
	}
}

// TestResumeCountsFromTheLastStoredCall: a monitor that starts after
// another (a restart, a new cluster leader) counts from the job's last
// stored call, not from its own start, and skips its predecessor's
// verdicts when it looks for that call.
func TestResumeCountsFromTheLastStoredCall(t *testing.T) {
	m, rec := newMonitor(t)
	called := t0.Add(-50 * time.Second)
	resume(t, m, t0, []status.Result{
		{Check: "backup", Zone: "local", Start: t0.Add(-5 * time.Second), Outcome: status.Down, Reason: "no heartbeat since 2026-12-06T20:58:00Z"},
		{Check: "backup", Zone: "local", Start: called, Outcome: status.Up},
	})
	m.Tick(called.Add(time.Minute + 29*time.Second)) // within interval + grace of the call
	if len(rec.results) != 0 {
		t.Fatalf("before the call is due: %+v", rec.results)
	}
	m.Tick(called.Add(time.Minute + 31*time.Second))
	r := rec.last(t)
	if r.Outcome != status.Down || r.Reason != "no heartbeat since "+stamp(called) {
		t.Fatalf("overdue after the stored call: %s %q", r.Outcome, r.Reason)
	}

	// A job that last called long ago is overdue at once, said as such.
	m, rec = newMonitor(t)
	long := t0.Add(-time.Hour)
	resume(t, m, t0, []status.Result{{Check: "backup", Zone: "local", Start: long, Outcome: status.Down, Reason: jobReason + "exited with status 2"}})
	m.Tick(t0)
	if r := rec.last(t); r.Reason != "no heartbeat since "+stamp(long) || !r.Start.Equal(t0) {
		t.Fatalf("long overdue: %+v", r)
	}
}

// resume resumes m at now with stored as the backup check's results.
func resume(t *testing.T, m *Monitor, now time.Time, stored []status.Result) {
	t.Helper()
	err := m.Resume(now, func(check string, _ time.Time) ([]status.Result, error) {
		if check != "backup" {
			t.Fatalf("results of %q asked for", check)
		}
		return stored, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
