// Package ingest is where results enter Ampel's history: each result is
// folded into the state engine and handed, with the state changes it
// caused, to the store's single writer, in the order the engine saw them.
package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Ingest connects the engine to the writer. Handle is safe for concurrent
// use.
type Ingest struct {
	// mu keeps engine order and writer order the same, so a subject's
	// changes are queued in the order they happened.
	mu       sync.Mutex
	engine   *state.Engine
	writer   *store.Writer
	observer func(status.Result, []status.Change)
}

// New returns an Ingest. observer, if not nil, sees every result with its
// changes after they are queued (metrics, live updates).
func New(engine *state.Engine, writer *store.Writer, observer func(status.Result, []status.Change)) *Ingest {
	return &Ingest{engine: engine, writer: writer, observer: observer}
}

// Handle records one result.
func (in *Ingest) Handle(r status.Result) {
	in.mu.Lock()
	changes := in.engine.Apply(r)
	in.writer.Write([]status.Result{r}, changes)
	in.mu.Unlock()
	if in.observer != nil {
		in.observer(r, changes)
	}
}

// Recover closes what an earlier run left open: a process that was killed
// (or a leader that died) could not record that it stopped observing, so
// every subject whose last recorded level is not no-data is moved to
// no-data at the end of the last stored result; after a clean stop that
// recorded its instant but not its closes in time (see Stop), at that
// instant, with the stop's cause. The engine starts over
// from the history (state.Engine.Restart): it learns where each timeline
// ends, so a late result is not recorded before it, and shows each
// subject's level before the gap until its own first verdict. Call it at
// start-up and whenever this node becomes leader, before the first
// Handle of the term.
func (in *Ingest) Recover(ctx context.Context, st *store.Store) (int, error) {
	latest, err := st.LatestChanges(ctx)
	if err != nil {
		return 0, fmt.Errorf("recover open states: %w", err)
	}
	last, ok, err := st.LastResultAt(ctx)
	if err != nil {
		return 0, fmt.Errorf("recover open states: %w", err)
	}
	if !ok {
		last = time.Time{}
	}
	cause := state.CauseNotRunning
	stopped, ok, err := st.StoppedAt(ctx)
	if err != nil {
		return 0, fmt.Errorf("recover open states: %w", err)
	}
	if ok {
		// A clean stop recorded when observation ended but could not
		// store its closes in time: they are written now, the same.
		last, cause = stopped, state.CauseStopped
	}
	closed := state.CloseOpen(latest, last, cause)
	in.engine.Restart(append(latest, closed...), time.Now())
	if len(closed) > 0 || ok {
		in.mu.Lock()
		in.writer.WriteRecovery(closed)
		in.mu.Unlock()
	}
	return len(closed), nil
}

// Stop records that observation ends now: every subject moves to no-data,
// so the time until the next start is not counted as up or down. The
// instant commits first and alone: when the closes do not commit before
// the writer is closed (201,000 of them at 100,000 checks), the next
// start writes them (see Recover and store.Writer.WriteStop).
func (in *Ingest) Stop(at time.Time) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if changes := in.engine.Stop(at, state.CauseStopped); len(changes) > 0 {
		in.writer.WriteStop(at, changes)
	}
}
