// Package heartbeat watches the checks of kind "heartbeat": jobs that
// call Ampel instead of being probed. Each call becomes a result; a call
// that does not come in time, or a run that does not finish, becomes a
// down result. The results enter the same ingest as the probes', so the
// thresholds, history and reports are those of every check.
package heartbeat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// ErrUnknownCheck is returned by Push for a check that is not a
// heartbeat check of the config (its token outlived it).
var ErrUnknownCheck = errors.New("no heartbeat check of that name")

// Monitor holds the heartbeat checks' timers. Its methods are safe for
// concurrent use.
type Monitor struct {
	mu      sync.Mutex
	watches map[string]*watch // by check name; the map is read-only after New
	emit    func(status.Result)
	// commit waits until the results emitted so far are stored.
	commit func(context.Context) error
	// forward, when set, takes the calls Push receives (see SetForward);
	// set before serving, read-only after.
	forward func(ctx context.Context, check string, p Ping, at time.Time) error
}

// SetForward makes Push hand every call to forward instead of recording
// it: a cluster node stores it durably for the leader's monitor, which
// applies it with Apply (the timers of missing calls run there). Call it
// before the first Push.
func (m *Monitor) SetForward(forward func(ctx context.Context, check string, p Ping, at time.Time) error) {
	m.forward = forward
}

// watch is one heartbeat check; guarded by Monitor.mu.
type watch struct {
	check, zone                 string
	interval, grace, maxRuntime time.Duration
	// last is the last call that ended a run, or when watching began
	// (heard false).
	last  time.Time
	heard bool
	// started is the open run's start call; zero when none is open.
	started time.Time
	// due is when the next down result for a missing call is due.
	due time.Time
	// emitted is the start of the newest result, so results never go
	// back in time.
	emitted time.Time
}

// New watches the heartbeat checks of cfg from now on: each must call
// within interval + grace. emit records a result (ingest); commit waits
// until what was emitted is stored, so a call is answered only once it is
// durable.
func New(cfg *config.Config, now time.Time, emit func(status.Result), commit func(context.Context) error) *Monitor {
	m := &Monitor{watches: map[string]*watch{}, emit: emit, commit: commit}
	for _, comp := range cfg.Components {
		for _, chk := range comp.Checks {
			if chk.Kind != "heartbeat" || chk.Heartbeat == nil || len(chk.Zones) == 0 {
				continue
			}
			w := &watch{
				check: chk.Name, zone: chk.Zones[0], interval: chk.Interval.D(),
				grace: chk.Heartbeat.Grace.D(), maxRuntime: chk.Heartbeat.MaxRuntime.D(), last: now,
			}
			w.due = now.Add(w.interval + w.grace)
			m.watches[chk.Name] = w
		}
	}
	return m
}

// lookback is how many of a check's periods (interval + grace) Resume
// looks back for its job's last call; a job silent for longer is said
// not heard since Ampel started.
const lookback = 10

// Resume tells the monitor what each check's job did before now, from
// its stored results since a time, newest first, as read returns them:
// the last call that ended a run (an up, or a failure the job reported)
// becomes the one the next is due after, instead of when this monitor
// began watching (a restart, or a cluster node that takes over as
// leader, counted from its own start and said "no heartbeat since Ampel
// started"). A call overdue already is recorded at the next Tick. A
// check whose results cannot be read is counted from now, as before.
// Call it before the first Tick.
func (m *Monitor) Resume(now time.Time, read func(check string, since time.Time) ([]status.Result, error)) error {
	var errs []error
	for name, w := range m.watches { // the map is read-only after New
		stored, err := read(name, now.Add(-lookback*(w.interval+w.grace)))
		if err != nil {
			errs = append(errs, fmt.Errorf("heartbeat %s: %w", name, err))
			continue
		}
		m.resume(w, stored, now)
	}
	return errors.Join(errs...)
}

// resume is Resume for one check.
func (m *Monitor) resume(w *watch, stored []status.Result, now time.Time) {
	if len(stored) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if stored[0].Start.After(w.emitted) {
		w.emitted = stored[0].Start
	}
	for _, r := range stored {
		if r.Instance != "" || (r.Outcome != status.Up && !strings.HasPrefix(r.Reason, jobReason)) {
			continue // Tick's own verdicts, or not this check's
		}
		w.last, w.heard = r.Start, true
		w.due = r.Start.Add(w.interval + w.grace)
		if w.due.Before(now) {
			w.due = now
		}
		return
	}
}

// Len is the number of heartbeat checks watched.
func (m *Monitor) Len() int { return len(m.watches) }

// Push records a call for check at now and returns once its result is
// stored (or, with SetForward, once forwarded). A start call records no
// result: it opens a run.
func (m *Monitor) Push(ctx context.Context, check string, p Ping, now time.Time) error {
	if m.watches[check] == nil {
		return ErrUnknownCheck
	}
	if m.forward != nil {
		return m.forward(ctx, check, p, now)
	}
	return m.Apply(ctx, check, p, now)
}

// Apply records a call for check that came at now, as Push does without
// forwarding: the leader's side of a forwarded call.
func (m *Monitor) Apply(ctx context.Context, check string, p Ping, now time.Time) error {
	w := m.watches[check]
	if w == nil {
		return ErrUnknownCheck
	}
	m.mu.Lock()
	if p.Signal == Start {
		w.started = now
		m.mu.Unlock()
		return nil
	}
	r := status.Result{Check: w.check, Zone: w.zone, Outcome: status.Up, Detail: p.Message}
	if !w.started.IsZero() {
		r.Duration = now.Sub(w.started)
	}
	if p.Signal == Failure {
		r.Outcome, r.Reason = status.Down, jobReason+"reported a failure"
		if p.ExitStatus > 0 {
			r.Reason = fmt.Sprintf(jobReason+"exited with status %d", p.ExitStatus)
		}
		if r.Detail == "" {
			r.Detail = r.Reason
		}
	}
	w.last, w.heard, w.started = now, true, time.Time{}
	w.due = now.Add(w.interval + w.grace)
	m.record(w, r, now)
	m.mu.Unlock()
	return m.commit(ctx)
}

// Tick records a down result for every check whose call is overdue: one
// when interval + grace has passed since the last call (and one more each
// interval while none comes), or when a run has been open longer than
// max_runtime. Call it every second.
func (m *Monitor) Tick(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range m.watches {
		if !w.started.IsZero() {
			end := w.started.Add(w.maxRuntime)
			if now.Before(end) {
				continue // the job is running: its own deadline applies
			}
			reason := fmt.Sprintf("run started at %s not finished within %s", stamp(w.started), w.maxRuntime)
			m.record(w, status.Result{Check: w.check, Zone: w.zone, Outcome: status.Down, Reason: reason, Detail: reason}, end)
			w.started, w.due = time.Time{}, end.Add(w.interval)
			continue
		}
		if now.Before(w.due) {
			continue
		}
		reason := "no heartbeat since " + stamp(w.last)
		if !w.heard {
			reason = "no heartbeat since Ampel started at " + stamp(w.last)
		}
		m.record(w, status.Result{Check: w.check, Zone: w.zone, Outcome: status.Down, Reason: reason, Detail: reason}, w.due)
		for !now.Before(w.due) { // one result however far behind the ticks are
			w.due = w.due.Add(w.interval)
		}
	}
}

// record emits r as starting at, moved just past the previous result when
// the clock did not advance. Called with mu held.
func (m *Monitor) record(w *watch, r status.Result, at time.Time) {
	if !at.After(w.emitted) {
		at = w.emitted.Add(time.Millisecond)
	}
	r.Start, w.emitted = at, at
	m.emit(r)
}

// jobReason starts the reason of every failure a job reported itself, so
// Resume can tell its calls from Tick's verdicts.
const jobReason = "job "

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
