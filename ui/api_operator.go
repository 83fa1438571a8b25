package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// operatorAPI serves /api/v1/incidents and /api/v1/maintenances to
// operator tokens.
type operatorAPI struct {
	d        Deps
	failures *authFailures
	// ops are the operations the console shares.
	ops *incidentOps
}

// operatorAPIRoutes adds the operator API; it needs the store.
func operatorAPIRoutes(e *echo.Echo, d Deps, edited func()) {
	if d.Store == nil {
		return
	}
	a := &operatorAPI{d: d, failures: newAuthFailures("api-auth", newSharedLimits(d)), ops: newIncidentOps(d, edited)}
	// Per route, not on a group: a group's middleware would also claim
	// every unknown path under /api/v1 (the agent API lives there too).
	auth := a.requireToken(store.RoleOperator)
	e.POST("/api/v1/incidents", a.createIncident, auth)
	e.GET("/api/v1/incidents", a.listIncidents, auth)
	e.GET("/api/v1/incidents/:id", a.getIncident, auth)
	e.PATCH("/api/v1/incidents/:id", a.patchIncident, auth)
	e.POST("/api/v1/incidents/:id/updates", a.addIncidentUpdate, auth)
	e.POST("/api/v1/maintenances", a.createMaintenance, auth)
	e.GET("/api/v1/maintenances", a.listMaintenances, auth)
	e.PATCH("/api/v1/maintenances/:id", a.patchMaintenance, auth)
	e.POST("/api/v1/maintenances/:id/updates", a.addMaintenanceUpdate, auth)
	e.GET("/api/v1/subscribers", a.listSubscribers, auth)
}

// fail answers err: a request or rule error as 4xx naming the field, a
// missing object as 404, anything else as 500.
func (a *operatorAPI) fail(c echo.Context, err error) error {
	var re *requestError
	var fe *incident.FieldError
	switch {
	case errors.As(err, &re):
		return apiFail(c, re.Status, re.Field, re.Msg)
	case errors.As(err, &fe):
		return apiFail(c, http.StatusUnprocessableEntity, fe.Field, fe.Message)
	case errors.Is(err, store.ErrNoIncident):
		return apiFail(c, http.StatusNotFound, "id", "no such incident")
	case errors.Is(err, store.ErrNoMaintenance):
		return apiFail(c, http.StatusNotFound, "id", "no such maintenance")
	}
	return err
}

// pathID reads the :id of the path.
func pathID(c echo.Context) (int64, error) {
	id, ok := idParam(c)
	if !ok {
		return 0, &requestError{Status: http.StatusNotFound, Field: "id", Msg: "no such id"}
	}
	return id, nil
}

// idParam reads the route's :id, a positive integer.
func idParam(c echo.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	return id, err == nil && id > 0
}

// queryLimit reads ?limit=, 1 to 100, default 25.
func queryLimit(c echo.Context) (int, error) {
	s := c.QueryParam("limit")
	if s == "" {
		return 25, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100 {
		return 0, &requestError{Status: http.StatusBadRequest, Field: "limit", Msg: "want a number from 1 to 100"}
	}
	return n, nil
}
