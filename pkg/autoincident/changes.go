package autoincident

import (
	"context"
	"slices"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// open opens a new incident, unless the component's cool-down runs.
func (a *Automation) open(ctx context.Context, view state.Component, rule *config.AutoIncident, now time.Time) (Action, error) {
	if held, err := a.maintained(ctx, view.Slug); held || err != nil {
		return None, err
	}
	last, err := a.store.LastAutoResolved(ctx, view.Slug)
	if err != nil {
		return None, err
	}
	if !last.IsZero() && now.Before(last.Add(rule.CoolDown.D())) {
		if !a.held[view.Slug] {
			a.held[view.Slug] = true
			a.suppressed.Add(1)
			a.logger.Info("outage during automatic incident cool-down: no incident opened",
				"component", view.Slug, "level", view.ProbeLevel.String(), "resolved_at", last, "cool_down_until", last.Add(rule.CoolDown.D()))
		}
		return Held, nil
	}
	comps := map[string]string{view.Slug: view.ProbeLevel.Statuspage()}
	started := view.ProbeSince
	if started.IsZero() || started.After(now) {
		started = now
	}
	inc := store.Incident{
		Name: config.Expand(rule.Name, view.Name), Status: incident.Investigating,
		Impact: incident.ComputeImpact(comps), Components: comps, Started: started,
		Draft: !rule.Publish, AutoComponent: view.Slug,
	}
	first := store.IncidentUpdate{Status: incident.Investigating, Body: body(rule.Body, view.Name), Components: comps,
		DeliverNotifications: true, Author: Author, At: now}
	created, err := a.store.CreateIncident(ctx, inc, first, Actor, now)
	if err != nil {
		return None, err
	}
	a.logger.Info("automatic incident opened", "component", view.Slug, "incident", created.ID,
		"level", view.ProbeLevel.String(), "draft", created.Draft)
	return Opened, nil
}

// edit applies change to the incident in a transaction, unless it changed
// since inc was read, and logs what it did.
func (a *Automation) edit(ctx context.Context, inc store.Incident, now time.Time, act Action,
	change func(*store.Incident) *store.IncidentUpdate) (Action, error) {
	if held, err := a.maintained(ctx, inc.AutoComponent); held || err != nil {
		return None, err
	}
	_, err := a.store.EditIncident(ctx, inc.ID, Actor, "incident.auto_"+act.String(), now,
		func(cur *store.Incident) (*store.IncidentUpdate, error) {
			if !cur.Updated.Equal(inc.Updated) || cur.Status != inc.Status || !cur.Resolved.IsZero() {
				return nil, errStale
			}
			upd := change(cur)
			cur.Impact = incident.Impact(cur.ImpactOverride, cur.Components)
			return upd, nil
		})
	if err != nil {
		return None, err
	}
	a.logger.Info("automatic incident updated", "component", inc.AutoComponent, "incident", inc.ID, "action", act.String())
	return act, nil
}

// update is a timeline entry by automation.
func update(st, text string, comps map[string]string, notify bool, now time.Time) *store.IncidentUpdate {
	return &store.IncidentUpdate{Status: st, Body: text, Components: comps, DeliverNotifications: notify, Author: Author, At: now}
}

// worse reports whether the probes' level is worse than the status the
// incident sets on the component.
func worse(inc store.Incident, slug string, l status.Level) bool {
	cur, err := status.ParseStatuspage(inc.Components[slug])
	return err != nil || status.Worse(l, cur)
}

// worsen raises the status the incident sets on the component to the
// probes' level when that is worse (a partial outage became a major one)
// and returns the change, nil if none.
func worsen(inc *store.Incident, slug string, l status.Level) map[string]string {
	if !worse(*inc, slug, l) {
		return nil
	}
	inc.Components[slug] = l.Statuspage()
	return map[string]string{slug: l.Statuspage()}
}

// operatorTookOver reports whether anyone but automation posted on the
// incident's timeline: from then on it is theirs.
func operatorTookOver(inc store.Incident) bool {
	for _, u := range inc.Updates {
		if u.Author != Author {
			return true
		}
	}
	return false
}

// relapses counts the "investigating" updates after the first: how often
// the problem came back while the incident was open.
func relapses(inc store.Incident) int {
	n := 0
	for _, u := range inc.Updates[min(1, len(inc.Updates)):] {
		if u.Status == incident.Investigating {
			n++
		}
	}
	return n
}

// maintained reports whether a maintenance window in progress (or
// verifying) holds the component: failing probes are expected then, and
// automation neither opens nor moves its incident.
func (a *Automation) maintained(ctx context.Context, slug string) (bool, error) {
	ms, err := a.store.OpenMaintenancesNoTimeline(ctx)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if incident.HoldsComponents(m.Status) && slices.Contains(m.ComponentIDs, slug) {
			return true, nil
		}
	}
	return false, nil
}
