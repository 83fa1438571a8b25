package ui

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// statusObject is Statuspage's overall "status": an indicator (none,
// minor, major, critical) and its description.
type statusObject struct {
	Indicator   string `json:"indicator"`
	Description string `json:"description"`
}

type statusBody struct {
	Page   page         `json:"page"`
	Status statusObject `json:"status"`
}

// summaryBody is /api/v2/summary.json. Incidents lists the unresolved
// ones and ScheduledMaintenances the active and upcoming ones, as on
// Statuspage; Availability is Ampel's own.
type summaryBody struct {
	Page                  page                `json:"page"`
	Components            []component         `json:"components"`
	Incidents             []incidentJSON      `json:"incidents"`
	ScheduledMaintenances []incidentJSON      `json:"scheduled_maintenances"`
	Status                statusObject        `json:"status"`
	Availability          summaryAvailability `json:"availability"`
}

// serveJSON answers with body encoded, for the request's base (page.url
// and shortlinks are absolute, see base for the host rule). Anyone may
// read the public JSON from a browser, as Statuspage allows.
func (s *site) serveJSON(c echo.Context, key string, body func(b base) (any, error)) error {
	c.Response().Header()["Access-Control-Allow-Origin"] = hdrAnyOrigin
	return s.serveFor(c, s.baseOf(c), key, echo.MIMEApplicationJSON, true, func(b base) ([]byte, error) {
		v, err := body(b)
		if err != nil {
			return nil, err
		}
		out, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return append(out, '\n'), nil
	})
}

func (s *site) summary(c echo.Context) error {
	return s.serveJSON(c, "summary.json", func(b base) (any, error) {
		ctx := c.Request().Context()
		incs, err := s.unresolved(ctx)
		if err != nil {
			return nil, err
		}
		active, upcoming, err := s.openWindows(ctx)
		if err != nil {
			return nil, err
		}
		avail, err := s.last.avail.read(func() (summaryAvailability, error) { return s.summaryAvailability(ctx, s.now()) })
		if err != nil {
			return nil, err
		}
		comps := s.d.Engine.Summaries()
		cb := componentsBodyOf(s.d, b, comps)
		j := s.shaperOf(b, cb.Components)
		return summaryBody{
			Page: cb.Page, Components: cb.Components,
			Incidents:             shapeAll(incs, j.incident),
			ScheduledMaintenances: shapeAll(append(active, upcoming...), j.maintenance),
			Status:                pageStatus(comps, active, incs),
			Availability:          avail,
		}, nil
	})
}

func (s *site) statusJSON(c echo.Context) error {
	return s.serveJSON(c, "status.json", func(b base) (any, error) {
		ctx := c.Request().Context()
		incs, err := s.unresolved(ctx)
		if err != nil {
			return nil, err
		}
		active, _, err := s.openWindows(ctx)
		if err != nil {
			return nil, err
		}
		return statusBody{Page: pageOf(s.d, b), Status: pageStatus(s.d.Engine.Summaries(), active, incs)}, nil
	})
}

func statusOf(o overall) statusObject {
	return statusObject{Indicator: o.Indicator, Description: o.Description}
}

func shapeAll[T any](items []T, shape func(T) incidentJSON) []incidentJSON {
	out := make([]incidentJSON, 0, len(items))
	for _, it := range items {
		out = append(out, shape(it))
	}
	return out
}

// incidentList serves /api/v2/incidents.json (the most recent) or, with
// unresolved, incidents/unresolved.json.
func (s *site) incidentList(unresolved bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.serveJSON(c, c.Path(), func(b base) (any, error) {
			incs := []store.Incident{}
			if s.d.Store != nil {
				var err error
				if incs, err = s.d.Store.PublicIncidents(c.Request().Context(), unresolved, recentLimit); err != nil {
					return nil, err
				}
			}
			return map[string]any{"page": pageOf(s.d, b), "incidents": shapeAll(incs, s.shaper(b).incident)}, nil
		})
	}
}

// maintenanceList serves the scheduled-maintenances lists: which picks
// "all" (the most recent, cancelled ones left out), "active" or
// "upcoming".
func (s *site) maintenanceList(which string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.serveJSON(c, c.Path(), func(b base) (any, error) {
			ms, err := s.maintenances(c.Request().Context(), which)
			if err != nil {
				return nil, err
			}
			return map[string]any{"page": pageOf(s.d, b), "scheduled_maintenances": shapeAll(ms, s.shaper(b).maintenance)}, nil
		})
	}
}

func (s *site) maintenances(ctx context.Context, which string) ([]store.Maintenance, error) {
	if which != "all" {
		active, upcoming, err := s.openWindows(ctx)
		if which == "active" {
			return active, err
		}
		return upcoming, err
	}
	if s.d.Store == nil {
		return nil, nil
	}
	ms, err := s.d.Store.Maintenances(ctx, recentLimit)
	// Statuspage has no cancelled status (a window there is deleted
	// instead): cancelled windows are left out rather than shown in a
	// status its clients do not know.
	return slices.DeleteFunc(ms, func(m store.Maintenance) bool { return m.Status == incident.Cancelled }), err
}
