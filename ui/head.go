package ui

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// headKey marks, in the echo context, a HEAD request routed as a GET.
const headKey = "ampel.head"

// headAsGet routes a HEAD request as the GET of the same path, so every
// GET route answers HEAD (RFC 9110 §9.3.2: the same header fields, no
// content). Tools probe with HEAD before they read: a Statuspage exporter
// takes a page for Statuspage's only once HEAD /api/v2/components.json
// answers 200. It runs before routing (beforeRouting); restoreHead gives
// the handlers back the real method, so a stream or a body is never sent.
func headAsGet(c echo.Context) {
	if r := c.Request(); r.Method == http.MethodHead {
		r.Method = http.MethodGet
		c.Set(headKey, true)
	}
}

// restoreHead runs after routing and gives a HEAD request its method
// back: net/http then drops whatever body the handler writes, and
// handlers that must not start work for nothing (the /events stream) see
// it.
func restoreHead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if head, _ := c.Get(headKey).(bool); head {
			c.Request().Method = http.MethodHead
		}
		return next(c)
	}
}
