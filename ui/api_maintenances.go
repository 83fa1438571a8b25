package ui

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// maintenanceUpdateRequest is the body of POST /api/v1/maintenances/{id}/updates.
type maintenanceUpdateRequest struct {
	Status               *string `json:"status"`
	Body                 *string `json:"body"`
	DeliverNotifications *bool   `json:"deliver_notifications"`
	DisplayAt            *string `json:"display_at"`
}

// maintenanceRequest is the body of POST and PATCH /api/v1/maintenances
// (flat, like incidentRequest, so errors name JSON fields only).
type maintenanceRequest struct {
	Name                 *string  `json:"name"`
	Description          *string  `json:"description"`
	ScheduledFor         *string  `json:"scheduled_for"`
	ScheduledUntil       *string  `json:"scheduled_until"`
	ComponentIDs         []string `json:"component_ids"`
	AutoStart            *bool    `json:"auto_start"`
	AutoComplete         *bool    `json:"auto_complete"`
	TimeZone             *string  `json:"time_zone"`
	Status               *string  `json:"status"`
	Body                 *string  `json:"body"`
	DeliverNotifications *bool    `json:"deliver_notifications"`
	DisplayAt            *string  `json:"display_at"`
}

// change turns the request into the operation's terms, parsing its times.
func (r maintenanceRequest) change() (maintenanceChange, error) {
	ch := maintenanceChange{Name: r.Name, Description: r.Description, ComponentIDs: r.ComponentIDs,
		AutoStart: r.AutoStart, AutoComplete: r.AutoComplete, TimeZone: r.TimeZone,
		Status: r.Status, Body: r.Body, Notify: r.DeliverNotifications}
	for _, f := range []struct {
		name string
		in   *string
		out  **time.Time
	}{{"scheduled_for", r.ScheduledFor, &ch.ScheduledFor}, {"scheduled_until", r.ScheduledUntil, &ch.ScheduledUntil}} {
		if f.in == nil {
			continue
		}
		t, err := parseTime(f.name, f.in)
		if err != nil {
			return maintenanceChange{}, err
		}
		*f.out = &t
	}
	at, err := parseTime("display_at", r.DisplayAt)
	if err != nil {
		return maintenanceChange{}, err
	}
	ch.At = at
	return ch, nil
}

func (a *operatorAPI) createMaintenance(c echo.Context) error {
	ch, err := decodeMaintenance(c)
	if err != nil {
		return a.fail(c, err)
	}
	created, err := a.ops.createMaintenance(c.Request().Context(), actor(c), ch)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusCreated, created)
}

func (a *operatorAPI) patchMaintenance(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return a.fail(c, err)
	}
	ch, err := decodeMaintenance(c)
	if err != nil {
		return a.fail(c, err)
	}
	m, err := a.ops.patchMaintenance(c.Request().Context(), actor(c), id, ch)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, m)
}

func (a *operatorAPI) addMaintenanceUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return a.fail(c, err)
	}
	var r maintenanceUpdateRequest
	if err := decodeStrict(c.Request().Body, &r); err != nil {
		return a.fail(c, err)
	}
	ch, err := maintenanceRequest{Status: r.Status, Body: r.Body, DeliverNotifications: r.DeliverNotifications, DisplayAt: r.DisplayAt}.change()
	if err != nil {
		return a.fail(c, err)
	}
	m, err := a.ops.postMaintenanceUpdate(c.Request().Context(), actor(c), id, ch)
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(http.StatusOK, m)
}

// decodeMaintenance reads a maintenanceRequest body as a change.
func decodeMaintenance(c echo.Context) (maintenanceChange, error) {
	var r maintenanceRequest
	if err := decodeStrict(c.Request().Body, &r); err != nil {
		return maintenanceChange{}, err
	}
	return r.change()
}

// listMaintenances answers GET /api/v1/maintenances[?limit=N].
func (a *operatorAPI) listMaintenances(c echo.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return a.fail(c, err)
	}
	list, err := a.d.Store.Maintenances(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}
