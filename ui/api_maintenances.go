package ui

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
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
	ScheduledFor         *string  `json:"scheduled_for"`
	ScheduledUntil       *string  `json:"scheduled_until"`
	ComponentIDs         []string `json:"component_ids"`
	Status               *string  `json:"status"`
	Body                 *string  `json:"body"`
	DeliverNotifications *bool    `json:"deliver_notifications"`
	DisplayAt            *string  `json:"display_at"`
}

func (a *operatorAPI) createMaintenance(c echo.Context) error {
	var r maintenanceRequest
	if err := decodeStrict(c.Request().Body, &r); err != nil {
		return a.fail(c, err)
	}
	if r.Name == nil {
		return a.fail(c, badField("name", "required"))
	}
	if r.Status == nil {
		r.Status = ptr(incident.Scheduled)
	}
	m := store.Maintenance{}
	upd, err := a.applyMaintenance(&m, r, c)
	if err != nil {
		return a.fail(c, err)
	}
	created, err := a.d.Store.CreateMaintenance(c.Request().Context(), m, *upd, actor(c), a.d.Now())
	if err != nil {
		return err
	}
	a.changed(c)
	return c.JSON(http.StatusCreated, created)
}

func (a *operatorAPI) patchMaintenance(c echo.Context) error {
	var r maintenanceRequest
	if err := decodeStrict(c.Request().Body, &r); err != nil {
		return a.fail(c, err)
	}
	return a.editMaintenance(c, "maintenance.patch", r)
}

func (a *operatorAPI) addMaintenanceUpdate(c echo.Context) error {
	var r maintenanceUpdateRequest
	if err := decodeStrict(c.Request().Body, &r); err != nil {
		return a.fail(c, err)
	}
	if r.Body == nil || *r.Body == "" {
		return a.fail(c, badField("body", "required: what customers should read"))
	}
	return a.editMaintenance(c, "maintenance.update", maintenanceRequest{Status: r.Status, Body: r.Body,
		DeliverNotifications: r.DeliverNotifications, DisplayAt: r.DisplayAt})
}

func (a *operatorAPI) editMaintenance(c echo.Context, action string, r maintenanceRequest) error {
	id, err := pathID(c)
	if err != nil {
		return a.fail(c, err)
	}
	m, err := a.d.Store.EditMaintenance(c.Request().Context(), id, actor(c), action, a.d.Now(),
		func(m *store.Maintenance) (*store.MaintenanceUpdate, error) {
			upd, err := a.applyMaintenance(m, r, c)
			if err != nil || (r.Status == nil && r.Body == nil) {
				return nil, err
			}
			return upd, nil
		})
	if err != nil {
		return a.fail(c, err)
	}
	a.changed(c)
	return c.JSON(http.StatusOK, m)
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

// applyMaintenance applies a request to m by the rules of package incident
// and returns the timeline entry it makes. m.ID is 0 when creating.
func (a *operatorAPI) applyMaintenance(m *store.Maintenance, r maintenanceRequest, c echo.Context) (*store.MaintenanceUpdate, error) {
	now := a.d.Now()
	if r.Name != nil {
		if err := incident.CheckName(*r.Name); err != nil {
			return nil, err
		}
		m.Name = *r.Name
	}
	from, err := parseTime("scheduled_for", r.ScheduledFor)
	if err != nil {
		return nil, err
	}
	until, err := parseTime("scheduled_until", r.ScheduledUntil)
	if err != nil {
		return nil, err
	}
	if r.ScheduledFor != nil {
		m.ScheduledFor = from
	}
	if r.ScheduledUntil != nil {
		m.ScheduledUntil = until
	}
	if err := incident.CheckWindow(m.ScheduledFor, m.ScheduledUntil); err != nil {
		return nil, err
	}
	if r.ComponentIDs != nil {
		if err := incident.CheckComponentIDs(r.ComponentIDs, a.known); err != nil {
			return nil, err
		}
		m.ComponentIDs = r.ComponentIDs
	}
	upd := &store.MaintenanceUpdate{Status: m.Status, Author: actor(c).Name, At: now}
	if r.Status != nil {
		if err := incident.CheckMaintenanceMove(m.Status, *r.Status); err != nil {
			return nil, err
		}
		upd.Status = *r.Status
	}
	if err := noteFields(r.Body, r.DeliverNotifications, r.DisplayAt, now, &upd.Body, &upd.DeliverNotifications, &upd.At); err != nil {
		return nil, err
	}
	m.Status = upd.Status
	return upd, nil
}
