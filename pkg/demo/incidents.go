package demo

import (
	"context"
	"fmt"
	"time"

	rules "github.com/ampelstatus/ampel/pkg/incident" // the package name is taken by the scenario's incident type
	"github.com/ampelstatus/ampel/store"
)

// demoActor is who the audit log says wrote the demo's records.
var demoActor = store.Actor{Kind: store.ActorCLI, Name: "ampel demo"}

// author signs the demo's updates, as an operator would.
const author = "Ampel demo operations"

// step is one update of an incident: its status, body and time.
type step struct {
	status, body string
	at           time.Time
}

// recordIncidents stores the scenario's notable past outages as resolved
// incidents, its ongoing trouble as an open one and the announced window
// as scheduled maintenance, and gives each its id. No update asks for
// notifications: the demo has no subscribers to tell.
func recordIncidents(ctx context.Context, st *store.Store, s *Scenario, now time.Time) error {
	longestMajor := -1
	for i, o := range s.outages {
		if o.Zone == "" && (longestMajor < 0 || o.To.Sub(o.From) > s.outages[longestMajor].To.Sub(s.outages[longestMajor].From)) {
			longestMajor = i
		}
	}
	for i := range s.outages {
		o := &s.outages[i]
		inc, steps, pm := tell(o, i, i == longestMajor)
		id, err := writeIncident(ctx, st, inc, steps, pm)
		if err != nil {
			return fmt.Errorf("record incident %q: %w", inc.Name, err)
		}
		o.ID = id
	}
	if err := recordOpen(ctx, st, s); err != nil {
		return err
	}
	return recordUpcoming(ctx, st, s, now)
}

// tell writes an outage's incident: its name, components and updates, and
// the postmortem when it gets one (the long outages do).
func tell(o *Outage, i int, postmortem bool) (store.Incident, []step, string) {
	name := componentName(o.Component)
	tales := stories[o.Component]
	tale := tales[i%len(tales)]
	title, level := tale.title, "major_outage"
	d := o.To.Sub(o.From)
	first := min(max(d/10, 2*time.Minute), 6*time.Minute) + time.Duration(i%3)*time.Minute
	steps := []step{
		{"investigating", fmt.Sprintf(investigating[i%len(investigating)], name), o.From.Add(first)},
		{"identified", tale.identified, o.From.Add(d * 45 / 100)},
		{"monitoring", tale.monitoring, o.From.Add(d * 8 / 10)},
		{"resolved", fmt.Sprintf(resolved[i%len(resolved)], name), o.To},
	}
	if o.Zone != "" {
		title, level = tale.partialTitle, "partial_outage"
		steps[0].body = fmt.Sprintf("Customers in %s report errors from %s; other regions are not affected. We are investigating.",
			regions[o.Zone], name)
	}
	var pm string
	if d > 24*time.Hour {
		title, steps, pm = longTale(o, name)
	} else if postmortem {
		pm = fmt.Sprintf(shortPostmortem, name, d.Round(time.Minute))
	}
	comps := map[string]string{o.Component: level}
	inc := store.Incident{Name: title, Status: "investigating", Impact: rules.ComputeImpact(comps),
		Components: comps, Started: o.From}
	return inc, steps, pm
}

// writeIncident creates the incident with its first step and adds the
// others, each written at its own time; the last resolves it and
// publishes the postmortem, if any, two days later. The components keep
// their statuses after resolution, as the operator API keeps them: the
// history shows what the outage affected.
func writeIncident(ctx context.Context, st *store.Store, inc store.Incident, steps []step, postmortem string) (int64, error) {
	upd := func(s step) store.IncidentUpdate {
		return store.IncidentUpdate{Status: s.status, Body: s.body, Author: author, At: s.at}
	}
	first := upd(steps[0])
	first.Components = inc.Components // the statuses the first update set
	inc.Status = steps[0].status
	created, err := st.CreateIncident(ctx, inc, first, demoActor, steps[0].at)
	if err != nil {
		return 0, err
	}
	for _, s := range steps[1:] {
		_, err := st.EditIncident(ctx, created.ID, demoActor, "incident.update", s.at, func(in *store.Incident) (*store.IncidentUpdate, error) {
			in.Status = s.status
			if s.status == "resolved" {
				in.Resolved = s.at
			}
			u := upd(s)
			return &u, nil
		})
		if err != nil {
			return 0, err
		}
	}
	if postmortem == "" {
		return created.ID, nil
	}
	at := steps[len(steps)-1].at.Add(49 * time.Hour)
	_, err = st.EditIncident(ctx, created.ID, demoActor, "incident.postmortem", at, func(in *store.Incident) (*store.IncidentUpdate, error) {
		in.Postmortem, in.PostmortemAt = postmortem, at
		return nil, nil
	})
	return created.ID, err
}

// componentName is the display name of a component of the fleet.
func componentName(slug string) string {
	for _, c := range fleet {
		if c.slug == slug {
			return c.name
		}
	}
	return slug
}
