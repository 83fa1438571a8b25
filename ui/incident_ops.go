package ui

import (
	"context"
	"time"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// incidentOps are the operations on incidents and maintenance windows that
// the operator API and the console share: each applies the rules of
// package incident, writes through the store (with its audit entry) and
// then runs the after-change hooks, so a rule or a hook is written once.
type incidentOps struct {
	d Deps
	// components are the component ids (slugs) operators may name.
	components map[string]bool
	// edited tells the page cache that operators changed something.
	edited func()
}

func newIncidentOps(d Deps, edited func()) *incidentOps {
	o := &incidentOps{d: d, components: map[string]bool{}, edited: edited}
	if d.Config != nil {
		for _, c := range d.Config.Components {
			o.components[c.Slug] = true
		}
	}
	if o.edited == nil {
		o.edited = func() {}
	}
	if o.d.Now == nil {
		o.d.Now = time.Now
	}
	return o
}

func (o *incidentOps) known(id string) bool { return o.components[id] }

// incidentChange is what an operator asks of an incident, however it
// came (JSON or a form); nil fields stay as they are. ETA set to the zero
// time clears it; At is the time the update is shown at, zero for now.
type incidentChange struct {
	Name, ImpactOverride, Status, Body *string
	Components                         map[string]string
	ComponentIDs                       []string
	Notify                             *bool
	At                                 time.Time
	ETA                                *time.Time
	Draft                              *bool
	Postmortem                         *string
}

// postsUpdate reports whether the change adds to the timeline.
func (ch incidentChange) postsUpdate() bool {
	return ch.Status != nil || ch.Body != nil || ch.Components != nil || ch.ComponentIDs != nil
}

// clockSkew is how far ahead of ours a client's clock may be when it
// dates an update.
const clockSkew = time.Minute

// changed runs after a committed change: first the OnIncidentChange hook
// (what operators say about components may have changed), then the page
// cache is marked stale, so a page built in between cannot be cached as
// current. The hook outlives a client that hangs up, so components never
// keep what a committed change replaced.
func (o *incidentOps) changed(ctx context.Context) {
	if o.d.OnIncidentChange != nil {
		o.d.OnIncidentChange(context.WithoutCancel(ctx))
	}
	o.edited()
}

// openIncident creates an incident (investigating unless ch says
// otherwise) with its first update.
func (o *incidentOps) openIncident(ctx context.Context, act store.Actor, ch incidentChange) (store.Incident, error) {
	if ch.Name == nil {
		return store.Incident{}, badField("name", "required")
	}
	if ch.Status == nil {
		ch.Status = ptr(incident.Investigating)
	}
	if ch.Postmortem != nil {
		return store.Incident{}, badField("postmortem", "a postmortem is published on a resolved incident, not when opening one")
	}
	inc := store.Incident{Components: map[string]string{}}
	if ch.Draft != nil {
		inc.Draft = *ch.Draft
	}
	upd, err := o.applyIncident(&inc, ch, act)
	if err != nil {
		return store.Incident{}, err
	}
	inc.Started = upd.At
	created, err := o.d.Store.CreateIncident(ctx, inc, *upd, act, o.d.Now())
	if err != nil {
		return store.Incident{}, err
	}
	o.changed(ctx)
	return created, nil
}

// postIncidentUpdate adds a timeline entry; it must say something.
func (o *incidentOps) postIncidentUpdate(ctx context.Context, act store.Actor, id int64, ch incidentChange) (store.Incident, error) {
	if ch.Body == nil || *ch.Body == "" {
		return store.Incident{}, badField("body", "required: what customers should read")
	}
	return o.editIncident(ctx, act, id, "incident.update", ch)
}

// patchIncident changes an incident; it adds to the timeline only when
// the change carries a status, a message or component statuses.
func (o *incidentOps) patchIncident(ctx context.Context, act store.Actor, id int64, ch incidentChange) (store.Incident, error) {
	return o.editIncident(ctx, act, id, "incident.patch", ch)
}

// publishPostmortem publishes (or, with "", withdraws) the postmortem of
// a resolved incident.
func (o *incidentOps) publishPostmortem(ctx context.Context, act store.Actor, id int64, text string) (store.Incident, error) {
	return o.editIncident(ctx, act, id, "incident.postmortem", incidentChange{Postmortem: &text})
}

func (o *incidentOps) editIncident(ctx context.Context, act store.Actor, id int64, action string, ch incidentChange) (store.Incident, error) {
	inc, err := o.d.Store.EditIncident(ctx, id, act, action, o.d.Now(),
		func(inc *store.Incident) (*store.IncidentUpdate, error) {
			if err := o.applyIncidentOnly(inc, ch); err != nil {
				return nil, err
			}
			upd, err := o.applyIncident(inc, ch, act)
			if err != nil || !ch.postsUpdate() {
				return nil, err
			}
			return upd, nil
		})
	if err != nil {
		return store.Incident{}, err
	}
	o.changed(ctx)
	return inc, nil
}

// applyIncidentOnly applies what only an existing incident can take:
// publishing a draft and the postmortem (checked against the status the
// change leaves, so resolving and writing the postmortem may go together).
func (o *incidentOps) applyIncidentOnly(inc *store.Incident, ch incidentChange) error {
	if ch.Draft != nil {
		if err := incident.CheckDraftMove(inc.Draft, *ch.Draft); err != nil {
			return err
		}
		inc.Draft = *ch.Draft
	}
	if ch.Postmortem == nil {
		return nil
	}
	status := inc.Status
	if ch.Status != nil {
		status = *ch.Status
	}
	if err := incident.CheckPostmortem(status, *ch.Postmortem); err != nil {
		return err
	}
	inc.Postmortem, inc.PostmortemAt = *ch.Postmortem, o.d.Now()
	if *ch.Postmortem == "" {
		inc.PostmortemAt = time.Time{}
	}
	return nil
}
