package ui

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// updateFields are what POST /api/v1/incidents/{id}/updates takes, with
// Statuspage's names; display_at back-dates the update.
type updateFields struct {
	Status               *string           `json:"status"`
	Body                 *string           `json:"body"`
	Components           map[string]string `json:"components"`
	ComponentIDs         []string          `json:"component_ids"`
	DeliverNotifications *bool             `json:"deliver_notifications"`
	DisplayAt            *string           `json:"display_at"`
}

// incidentRequest is the body of POST and PATCH /api/v1/incidents: the
// update fields and the incident's own. (Not embedded: decoding errors
// would name the Go struct in the field path.)
type incidentRequest struct {
	Name                 *string           `json:"name"`
	ImpactOverride       *string           `json:"impact_override"`
	Status               *string           `json:"status"`
	Body                 *string           `json:"body"`
	Components           map[string]string `json:"components"`
	ComponentIDs         []string          `json:"component_ids"`
	DeliverNotifications *bool             `json:"deliver_notifications"`
	DisplayAt            *string           `json:"display_at"`
}

// postsUpdate reports whether the request adds to the timeline.
func (u *incidentRequest) postsUpdate() bool {
	return u.Status != nil || u.Body != nil || u.Components != nil || u.ComponentIDs != nil
}

func (a *operatorAPI) createIncident(c echo.Context) error {
	var r incidentRequest
	if err := decodeStrict(c.Request().Body, &r); err != nil {
		return a.fail(c, err)
	}
	if r.Name == nil {
		return a.fail(c, badField("name", "required"))
	}
	if r.Status == nil {
		r.Status = ptr(incident.Investigating)
	}
	inc := store.Incident{Components: map[string]string{}}
	upd, err := a.applyIncident(&inc, r, c)
	if err != nil {
		return a.fail(c, err)
	}
	inc.Started = upd.At
	created, err := a.d.Store.CreateIncident(c.Request().Context(), inc, *upd, actor(c), a.d.Now())
	if err != nil {
		return err
	}
	a.changed(c)
	return c.JSON(http.StatusCreated, created)
}

func (a *operatorAPI) patchIncident(c echo.Context) error {
	var r incidentRequest
	if err := decodeStrict(c.Request().Body, &r); err != nil {
		return a.fail(c, err)
	}
	return a.editIncident(c, "incident.patch", r)
}

func (a *operatorAPI) addIncidentUpdate(c echo.Context) error {
	var r updateFields
	if err := decodeStrict(c.Request().Body, &r); err != nil {
		return a.fail(c, err)
	}
	if r.Body == nil || *r.Body == "" {
		return a.fail(c, badField("body", "required: what customers should read"))
	}
	return a.editIncident(c, "incident.update", incidentRequest{Status: r.Status, Body: r.Body,
		Components: r.Components, ComponentIDs: r.ComponentIDs, DeliverNotifications: r.DeliverNotifications, DisplayAt: r.DisplayAt})
}

func (a *operatorAPI) editIncident(c echo.Context, action string, r incidentRequest) error {
	id, err := pathID(c)
	if err != nil {
		return a.fail(c, err)
	}
	inc, err := a.d.Store.EditIncident(c.Request().Context(), id, actor(c), action, a.d.Now(),
		func(inc *store.Incident) (*store.IncidentUpdate, error) {
			upd, err := a.applyIncident(inc, r, c)
			if err != nil || !r.postsUpdate() {
				return nil, err
			}
			return upd, nil
		})
	if err != nil {
		return a.fail(c, err)
	}
	a.changed(c)
	return c.JSON(http.StatusOK, inc)
}

// changed runs after a committed change, before the answer: the cached
// pages are marked stale, and the OnIncidentChange hook runs, since what
// operators say about components may have changed. The hook outlives a
// client that hangs up, so the components never keep what a committed
// change replaced.
func (a *operatorAPI) changed(c echo.Context) {
	a.edited()
	if a.d.OnIncidentChange != nil {
		a.d.OnIncidentChange(context.WithoutCancel(c.Request().Context()))
	}
}

func (a *operatorAPI) getIncident(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return a.fail(c, err)
	}
	inc, err := a.d.Store.Incident(c.Request().Context(), id)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, inc)
}

// listIncidents answers GET /api/v1/incidents[?unresolved=true&limit=N].
func (a *operatorAPI) listIncidents(c echo.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return a.fail(c, err)
	}
	var unresolved bool
	switch c.QueryParam("unresolved") {
	case "", "false":
	case "true":
		unresolved = true
	default:
		return a.fail(c, &requestError{Status: http.StatusBadRequest, Field: "unresolved", Msg: "want true or false"})
	}
	list, err := a.d.Store.Incidents(c.Request().Context(), unresolved, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

// applyIncident applies a request to inc by the rules of package incident
// and returns the timeline entry it makes. inc.ID is 0 when creating.
func (a *operatorAPI) applyIncident(inc *store.Incident, r incidentRequest, c echo.Context) (*store.IncidentUpdate, error) {
	now := a.d.Now()
	if r.Name != nil {
		if err := incident.CheckName(*r.Name); err != nil {
			return nil, err
		}
		inc.Name = *r.Name
	}
	if r.ImpactOverride != nil {
		if err := incident.CheckImpactOverride(*r.ImpactOverride); err != nil {
			return nil, err
		}
		inc.ImpactOverride = *r.ImpactOverride
	}
	upd := &store.IncidentUpdate{Status: inc.Status, Author: actor(c).Name, At: now}
	if r.Status != nil {
		if err := incident.CheckStatusMove(inc.Status, *r.Status); err != nil {
			return nil, err
		}
		upd.Status = *r.Status
	}
	if err := noteFields(r.Body, r.DeliverNotifications, r.DisplayAt, now, &upd.Body, &upd.DeliverNotifications, &upd.At); err != nil {
		return nil, err
	}
	changes, err := a.componentChanges(inc.Components, r.Components, r.ComponentIDs)
	if err != nil {
		return nil, err
	}
	for id, st := range changes {
		inc.Components[id] = st
	}
	upd.Components = changes
	if inc.Status != incident.Resolved && upd.Status == incident.Resolved {
		inc.Resolved = upd.At
	}
	inc.Status = upd.Status
	inc.Impact = incident.Impact(inc.ImpactOverride, inc.Components)
	return upd, nil
}

// componentChanges validates the components and component_ids of a
// request and returns the statuses they set: components gives statuses,
// component_ids adds affected components as operational unless the
// incident or the request gives them a status already.
func (a *operatorAPI) componentChanges(current, comps map[string]string, ids []string) (map[string]string, error) {
	if err := incident.CheckComponents(comps, a.known); err != nil {
		return nil, err
	}
	if err := incident.CheckComponentIDs(ids, a.known); err != nil {
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
// maintenance: the Markdown body, the notification flag and display_at,
// which may back-date the update but not put it in the future.
func noteFields(body *string, deliver *bool, displayAt *string, now time.Time, toBody *string, toDeliver *bool, toAt *time.Time) error {
	if body != nil {
		if err := incident.CheckBody(*body); err != nil {
			return err
		}
		*toBody = *body
	}
	if deliver != nil {
		*toDeliver = *deliver
	}
	at, rerr := parseTime("display_at", displayAt)
	if rerr != nil {
		return rerr
	}
	if !at.IsZero() {
		if err := incident.CheckUpdateTime("display_at", at, now, clockSkew); err != nil {
			return err
		}
		*toAt = at
	}
	return nil
}

// clockSkew is how far ahead of ours a client's clock may be when it
// dates an update.
const clockSkew = time.Minute

func ptr[T any](v T) *T { return &v }
