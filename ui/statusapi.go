package ui

import (
	"encoding/json"

	"github.com/labstack/echo/v4"
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
// ones and ScheduledMaintenances the upcoming and active ones, as on
// Statuspage; both stay empty until incidents and maintenance exist.
type summaryBody struct {
	Page                  page         `json:"page"`
	Components            []component  `json:"components"`
	Incidents             []any        `json:"incidents"`
	ScheduledMaintenances []any        `json:"scheduled_maintenances"`
	Status                statusObject `json:"status"`
}

// serveJSON answers with body() encoded, from the cache. Anyone may read
// the public JSON from a browser, as Statuspage allows.
func (s *site) serveJSON(c echo.Context, key string, body func() any) error {
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return s.serve(c, key, echo.MIMEApplicationJSON, pageCacheControl, func() ([]byte, error) {
		b, err := json.Marshal(body())
		if err != nil {
			return nil, err
		}
		return append(b, '\n'), nil
	})
}

func (s *site) summary(c echo.Context) error {
	return s.serveJSON(c, "summary.json", func() any {
		comps := s.d.Engine.Components()
		cb := componentsBodyOf(s.d, comps)
		return summaryBody{
			Page: cb.Page, Components: cb.Components,
			Incidents: []any{}, ScheduledMaintenances: []any{},
			Status: statusOf(overallOf(comps)),
		}
	})
}

func (s *site) statusJSON(c echo.Context) error {
	return s.serveJSON(c, "status.json", func() any {
		return statusBody{Page: pageOf(s.d), Status: statusOf(overallOf(s.d.Engine.Components()))}
	})
}

func statusOf(o overall) statusObject {
	return statusObject{Indicator: o.Indicator, Description: o.Description}
}

// emptyList serves an incident or maintenance list: the page and an empty
// list under key, until incidents and maintenance exist.
func (s *site) emptyList(key string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.serveJSON(c, c.Path(), func() any {
			return map[string]any{"page": pageOf(s.d), key: []any{}}
		})
	}
}
