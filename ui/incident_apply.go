package ui

import (
	"time"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// applyIncident applies a change to inc by the rules of package incident
// and returns the timeline entry it makes. inc.ID is 0 when creating.
func (o *incidentOps) applyIncident(inc *store.Incident, ch incidentChange, act store.Actor) (*store.IncidentUpdate, error) {
	now := o.d.Now()
	if ch.Name != nil {
		if err := incident.CheckName(*ch.Name); err != nil {
			return nil, err
		}
		inc.Name = *ch.Name
	}
	if ch.ImpactOverride != nil {
		if err := incident.CheckImpactOverride(*ch.ImpactOverride); err != nil {
			return nil, err
		}
		inc.ImpactOverride = *ch.ImpactOverride
	}
	upd := &store.IncidentUpdate{Status: inc.Status, Author: act.Name, At: now}
	if ch.Status != nil {
		if err := incident.CheckStatusMove(inc.Status, *ch.Status); err != nil {
			return nil, err
		}
		upd.Status = *ch.Status
	}
	if err := noteFields(ch.Body, ch.Notify, ch.At, now, &upd.Body, &upd.DeliverNotifications, &upd.At); err != nil {
		return nil, err
	}
	changes, err := o.componentChanges(inc.Components, ch.Components, ch.ComponentIDs)
	if err != nil {
		return nil, err
	}
	for id, st := range changes {
		inc.Components[id] = st
	}
	upd.Components = changes
	if inc.Status != incident.Resolved && upd.Status == incident.Resolved {
		inc.Resolved = upd.At
		// Nothing is left to estimate once it is over.
		inc.ETA = time.Time{}
	}
	inc.Status = upd.Status
	if ch.ETA != nil {
		if err := incident.CheckETA(inc.Status, *ch.ETA, now, clockSkew); err != nil {
			return nil, err
		}
		inc.ETA = *ch.ETA
	}
	inc.Impact = incident.Impact(inc.ImpactOverride, inc.Components)
	return upd, nil
}

// componentChanges validates the components and component_ids of a
// change and returns the statuses they set: components gives statuses,
// component_ids adds affected components as operational unless the
// incident or the change gives them a status already.
func (o *incidentOps) componentChanges(current, comps map[string]string, ids []string) (map[string]string, error) {
	if err := incident.CheckComponents(comps, o.known); err != nil {
		return nil, err
	}
	if err := incident.CheckComponentIDs(ids, o.known); err != nil {
		return nil, err
	}
	changes := map[string]string{}
	for _, id := range ids {
		if _, ok := current[id]; !ok {
			changes[id] = "operational"
		}
	}
	for id, st := range comps {
		changes[id] = st
	}
	return changes, nil
}

// noteFields applies the fields every update has, incident or
// maintenance: the Markdown body, the notification flag and the time
// shown, which may back-date the update but not put it in the future.
// An update notifies subscribers unless told not to (notify false): the
// API's deliver_notifications defaults to true, as the console's
// "Notify subscribers" box comes ticked.
func noteFields(body *string, notify *bool, at, now time.Time, toBody *string, toNotify *bool, toAt *time.Time) error {
	if body != nil {
		if err := incident.CheckBody(*body); err != nil {
			return err
		}
		*toBody = *body
	}
	*toNotify = notify == nil || *notify
	if !at.IsZero() {
		if err := incident.CheckUpdateTime("display_at", at, now, clockSkew); err != nil {
			return err
		}
		*toAt = at
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
