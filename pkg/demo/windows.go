package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	rules "github.com/ampelstatus/ampel/pkg/incident" // the package name is taken by the scenario's incident type
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Window is a past maintenance window of the demo's history: announced
// work that took one component down, recorded as maintenance.
type Window struct {
	// ID is the window's id in the store, set by Seed when it records
	// the window; Ref names it in the history.
	ID        int64
	Name      string
	Component string
	From, To  time.Time
	check     string
}

// Ref is how the history's changes name the window, as pkg/overlay does.
func (w Window) Ref() string { return rules.MaintenanceRef(w.ID, w.Name) }

// pastWindows plans a window every four weeks over the year before start,
// at 02:00 UTC on a Tuesday, taking turns among three components.
func pastWindows(start time.Time) []Window {
	plans := []struct{ name, comp, check string }{
		{"Search index rebuild", "search", "search-query"},
		{"Mail relay upgrade", "mail", "mail-relay"},
		{"Dashboard database migration", "dashboard", "dashboard-home"},
	}
	y, m, d := start.UTC().Date()
	first := time.Date(y-1, m, d, 2, 0, 0, 0, time.UTC)
	for first.Weekday() != time.Tuesday {
		first = first.AddDate(0, 0, 1)
	}
	var out []Window
	for i := 0; ; i++ {
		from := first.AddDate(0, 0, 28*i)
		if from.After(start.Add(-48 * time.Hour)) {
			return out
		}
		p := plans[i%len(plans)]
		out = append(out, Window{Name: p.name, Component: p.comp, check: p.check,
			From: from, To: from.Add(time.Duration(45+15*(i%4)) * time.Minute)})
	}
}

// overridesAt are the maintenance overrides in force at t.
func overridesAt(windows []Window, t time.Time) state.Overrides {
	out := state.Overrides{}
	for _, w := range windows {
		if !t.Before(w.From) && t.Before(w.To) {
			out[w.Component] = state.Override{Level: status.Maintenance, Source: state.SourceMaintenance, Ref: w.Ref(), MaskProbes: true}
		}
	}
	return out
}

// windowBounds lists the starts and ends of the windows in [from, to), in
// time order: the instants the overrides change.
func windowBounds(windows []Window, from, to time.Time) []time.Time {
	var out []time.Time
	for _, w := range windows {
		for _, t := range []time.Time{w.From, w.To} {
			if !t.Before(from) && t.Before(to) {
				out = append(out, t)
			}
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// recordWindows stores the scenario's past windows as completed
// maintenance, so the history's maintenance time has its records, and
// gives each window its id.
func recordWindows(ctx context.Context, st *store.Store, s *Scenario, now time.Time) error {
	for i := range s.windows {
		w := &s.windows[i]
		m, err := st.CreateMaintenance(ctx, store.Maintenance{
			Name: w.Name, Status: "completed", ScheduledFor: w.From, ScheduledUntil: w.To,
			ComponentIDs: []string{w.Component}, Description: "Planned work; the service is unavailable during the window.",
		}, store.MaintenanceUpdate{Status: "completed", Body: "The work is done.", Author: "demo", At: w.To}, demoActor, now)
		if err != nil {
			return fmt.Errorf("record maintenance %q: %w", w.Name, err)
		}
		w.ID = m.ID
	}
	return nil
}
