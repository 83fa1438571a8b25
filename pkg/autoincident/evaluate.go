package autoincident

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Action is what one evaluation of a component did.
type Action uint8

// Actions. Only Opened, Relapsed, Escalated, Monitoring and Resolved
// change an incident.
const (
	None       Action = iota
	Opened            // a new incident, investigating
	Relapsed          // "investigating" again after "monitoring"
	Escalated         // the incident now sets a worse component status
	Monitoring        // the probes recovered
	Resolved          // they stayed up for stable_for
	Held              // an outage during the cool-down opened nothing
)

var actionNames = [...]string{"none", "opened", "relapsed", "escalated", "monitoring", "resolved", "held"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// errStale aborts an edit when the incident changed between the read that
// decided it and the transaction: an operator got there first. The next
// evaluation decides again.
var errStale = errors.New("autoincident: incident changed meanwhile")

// Evaluate decides, as of now, for each of the components given (slugs
// without automation are skipped) and returns how many incidents it
// changed. An error on one component is returned after the others are
// done.
func (a *Automation) Evaluate(ctx context.Context, slugs []string, now time.Time) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	// One read names the components with an open incident; the others,
	// nearly all of them on a quiet day, need no read of their own.
	open, err := a.store.OpenAutoIncidentIDs(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, slug := range slugs {
		act, err := a.evaluate(ctx, slug, now, open)
		switch {
		case errors.Is(err, errStale):
		case err != nil:
			errs = append(errs, fmt.Errorf("component %s: %w", slug, err))
		case act != None && act != Held:
			n++
		}
	}
	return n, errors.Join(errs...)
}

// EvaluateOne is Evaluate for one component, returning what it did.
func (a *Automation) EvaluateOne(ctx context.Context, slug string, now time.Time) (Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.evaluate(ctx, slug, now, nil)
}

// evaluate is the rule for one component. open, when not nil, holds the
// open automatic incident of every component, read at the start of the
// pass. Called with mu held.
func (a *Automation) evaluate(ctx context.Context, slug string, now time.Time, open map[string]int64) (Action, error) {
	rule := a.rules[slug]
	view, ok := a.engine.Summary(slug)
	if rule == nil || !ok {
		return None, nil
	}
	bad := outage(view.ProbeLevel, rule)
	if !bad {
		delete(a.held, slug)
	}
	inc, err := a.openIncident(ctx, slug, open)
	if errors.Is(err, store.ErrNoIncident) {
		if !bad {
			return None, nil
		}
		return a.open(ctx, view, rule, now)
	}
	if err != nil {
		return None, err
	}
	if operatorTookOver(inc) {
		return None, nil
	}
	recovered := view.ProbeLevel == status.Up || view.ProbeLevel == status.Degraded
	switch {
	case bad && inc.Status == incident.Monitoring && relapses(inc) == 0:
		return a.edit(ctx, inc, now, Relapsed, func(i *store.Incident) *store.IncidentUpdate {
			i.Status = incident.Investigating
			comps := worsen(i, slug, view.ProbeLevel)
			return update(incident.Investigating, body(rule.Body, view.Name), comps, false, now)
		})
	case bad && inc.Status == incident.Investigating && worse(inc, slug, view.ProbeLevel):
		return a.edit(ctx, inc, now, Escalated, func(i *store.Incident) *store.IncidentUpdate {
			worsen(i, slug, view.ProbeLevel)
			return nil
		})
	case recovered && inc.Status == incident.Investigating:
		return a.edit(ctx, inc, now, Monitoring, func(i *store.Incident) *store.IncidentUpdate {
			i.Status = incident.Monitoring
			return update(incident.Monitoring, body(rule.RecoveredBody, view.Name), nil, false, now)
		})
	// Stable since the probes' level last moved: a move between up and
	// degraded restarts the wait too, which errs on the side of waiting.
	case recovered && inc.Status == incident.Monitoring && !now.Before(view.ProbeSince.Add(rule.StableFor.D())):
		return a.edit(ctx, inc, now, Resolved, func(i *store.Incident) *store.IncidentUpdate {
			i.Status, i.Resolved = incident.Resolved, now
			return update(incident.Resolved, body(rule.ResolvedBody, view.Name), nil, true, now)
		})
	}
	return None, nil
}

// openIncident returns the component's open automatic incident, as
// OpenAutoIncident does. With the pass's batched read, a component it
// found none for needs no read (only automation opens them, and
// evaluations are serialised), and one resolved since is looked up again.
func (a *Automation) openIncident(ctx context.Context, slug string, open map[string]int64) (store.Incident, error) {
	if open == nil {
		return a.store.OpenAutoIncident(ctx, slug)
	}
	id, ok := open[slug]
	if !ok {
		return store.Incident{}, store.ErrNoIncident
	}
	inc, err := a.store.Incident(ctx, id)
	if err != nil || inc.Resolved.IsZero() {
		return inc, err
	}
	return a.store.OpenAutoIncident(ctx, slug)
}

// outage reports whether the probes' level opens an incident: a major
// outage always, a partial one when the rule opens on it.
func outage(l status.Level, rule *config.AutoIncident) bool {
	return l == status.Down || l == status.Partial && rule.OpenOn == "partial_outage"
}
