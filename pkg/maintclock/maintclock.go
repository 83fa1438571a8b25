// Package maintclock moves scheduled maintenance windows by the clock: a
// window that may start by itself goes in progress at its scheduled
// start, and one that may complete by itself is completed at its
// scheduled end. Each move is an update on the window's timeline, written
// with its audit entry, as Ampel itself.
//
// The updates are dated at the scheduled time they enact, not at the
// tick that noticed it: the timeline tells customers the window ran as
// scheduled, whether the tick came a few seconds late or Ampel was down
// at that moment (the time written is kept as the update's created time).
// A window whose start and end both passed while Ampel was down is moved
// to completed directly, with both updates: "started" dated at its start
// without notifying subscribers (that news is stale), and "completed"
// dated at its end, notifying them.
package maintclock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// Actor is who the audit log names for clock moves. The audit log's actor
// kinds are user, token and cli: Ampel's own moves count as cli.
var Actor = store.Actor{Kind: store.ActorCLI, Name: "ampel (scheduler)"}

// Author is the author of the updates the clock posts.
const Author = incident.SystemAuthor

// Messages of the updates the clock posts.
const (
	StartedBody   = "Maintenance started as scheduled."
	CompletedBody = "Maintenance completed as scheduled."
)

// Move is one status change the clock made.
type Move struct {
	ID       int64
	Name     string
	From, To string
}

// errNoMove aborts an edit whose window no longer qualifies when read
// again in the transaction: an operator changed it in between.
var errNoMove = errors.New("maintclock: window changed meanwhile")

// Tick moves every open window whose scheduled time has come, as of now,
// and returns the moves made. It is idempotent: a second tick at the same
// time moves nothing. An error on one window is returned with the moves
// made on the others; the next tick retries.
func Tick(ctx context.Context, st *store.Store, now time.Time) ([]Move, error) {
	open, err := st.OpenMaintenancesNoTimeline(ctx)
	if err != nil {
		return nil, fmt.Errorf("maintclock: %w", err)
	}
	var moves []Move
	var errs []error
	for _, m := range open {
		// At most two moves: started, then completed.
		for range 2 {
			to, ok := next(m, now)
			if !ok {
				break
			}
			moved, err := move(ctx, st, m.ID, to, now)
			if errors.Is(err, errNoMove) {
				break
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("maintclock: move maintenance %d to %s: %w", m.ID, to, err))
				break
			}
			moves = append(moves, Move{ID: m.ID, Name: m.Name, From: m.Status, To: to})
			m = moved
		}
	}
	return moves, errors.Join(errs...)
}

// next is the status the clock moves m to as of now, if any. A window
// scheduled but not allowed to start by itself stays for an operator,
// even past its end: completing it would claim work nobody started.
func next(m store.Maintenance, now time.Time) (string, bool) {
	switch {
	case m.Status == incident.Scheduled && m.AutoStart && !now.Before(m.ScheduledFor):
		return incident.InProgress, true
	case incident.HoldsComponents(m.Status) && m.AutoComplete && !now.Before(m.ScheduledUntil):
		return incident.Completed, true
	}
	return "", false
}

// move makes one move in a transaction, after checking on the window as
// stored that it still qualifies.
func move(ctx context.Context, st *store.Store, id int64, to string, now time.Time) (store.Maintenance, error) {
	action := "maintenance.auto_start"
	if to == incident.Completed {
		action = "maintenance.auto_complete"
	}
	return st.EditMaintenance(ctx, id, Actor, action, now, func(m *store.Maintenance) (*store.MaintenanceUpdate, error) {
		if want, ok := next(*m, now); !ok || want != to {
			return nil, errNoMove
		}
		if err := incident.CheckMaintenanceMove(m.Status, to); err != nil {
			return nil, err
		}
		upd := &store.MaintenanceUpdate{Status: to, Body: StartedBody, DeliverNotifications: true, Author: Author, At: m.ScheduledFor}
		if to == incident.Completed {
			upd.Body, upd.At = CompletedBody, m.ScheduledUntil
		} else if m.AutoComplete && !now.Before(m.ScheduledUntil) {
			// It ended too while Ampel was down: the start is old news.
			upd.DeliverNotifications = false
		}
		m.Status = to
		return upd, nil
	})
}
