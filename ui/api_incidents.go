package ui

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
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
// would name the Go struct in the field path.) ETA is raw so that null
// (clear it) differs from absent (leave it).
type incidentRequest struct {
	Name                 *string           `json:"name"`
	ImpactOverride       *string           `json:"impact_override"`
	Status               *string           `json:"status"`
	Body                 *string           `json:"body"`
	Components           map[string]string `json:"components"`
	ComponentIDs         []string          `json:"component_ids"`
	DeliverNotifications *bool             `json:"deliver_notifications"`
	DisplayAt            *string           `json:"display_at"`
	ETA                  json.RawMessage   `json:"eta"`
	Draft                *bool             `json:"draft"`
	Postmortem           *string           `json:"postmortem"`
}

// change turns the request into the operation's terms, parsing its times.
func (r incidentRequest) change() (incidentChange, error) {
	at, err := parseTime("display_at", r.DisplayAt)
	if err != nil {
		return incidentChange{}, err
	}
	eta, err := parseNullableTime("eta", r.ETA)
	if err != nil {
		return incidentChange{}, err
	}
	return incidentChange{Name: r.Name, ImpactOverride: r.ImpactOverride, Status: r.Status, Body: r.Body,
		Components: r.Components, ComponentIDs: r.ComponentIDs, Notify: r.DeliverNotifications, At: at,
		ETA: eta, Draft: r.Draft, Postmortem: r.Postmortem}, nil
}

func (a *operatorAPI) createIncident(c echo.Context) error {
	ch, err := decodeIncident(c)
	if err != nil {
		return a.fail(c, err)
	}
	created, err := a.ops.openIncident(c.Request().Context(), actor(c), ch)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusCreated, created)
}

func (a *operatorAPI) patchIncident(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return a.fail(c, err)
	}
	ch, err := decodeIncident(c)
	if err != nil {
		return a.fail(c, err)
	}
	inc, err := a.ops.patchIncident(c.Request().Context(), actor(c), id, ch)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, inc)
}

func (a *operatorAPI) addIncidentUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return a.fail(c, err)
	}
	var r updateFields
	if err := decodeStrict(c.Request().Body, &r); err != nil {
		return a.fail(c, err)
	}
	ch, err := incidentRequest{Status: r.Status, Body: r.Body, Components: r.Components, ComponentIDs: r.ComponentIDs,
		DeliverNotifications: r.DeliverNotifications, DisplayAt: r.DisplayAt}.change()
	if err != nil {
		return a.fail(c, err)
	}
	inc, err := a.ops.postIncidentUpdate(c.Request().Context(), actor(c), id, ch)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, inc)
}

// decodeIncident reads an incidentRequest body as a change.
func decodeIncident(c echo.Context) (incidentChange, error) {
	var r incidentRequest
	if err := decodeStrict(c.Request().Body, &r); err != nil {
		return incidentChange{}, err
	}
	return r.change()
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
