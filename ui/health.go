package ui

import (
	"bytes"
	"crypto/subtle"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/common/expfmt"

	"github.com/ampelstatus/ampel/pkg/auth"
)

// healthz answers 200 while the store is writable and the scheduler runs,
// 503 with the reason otherwise.
func (h *handlers) healthz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if err := h.d.Health(); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unhealthy", "error": err.Error()})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// metrics serves Prometheus text to loopback clients, or to anyone with
// the configured bearer token: metric labels name internal checks.
func (h *handlers) metrics(c echo.Context) error {
	if !h.metricsAllowed(c) {
		return echo.NewHTTPError(http.StatusForbidden, "metrics are served to loopback clients or with the metrics token")
	}
	families, err := h.d.Gatherer.Gather()
	if err != nil {
		h.d.Logger.Warn("gather metrics", "err", err)
	}
	var buf bytes.Buffer
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	enc := expfmt.NewEncoder(&buf, format)
	for _, mf := range families {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, string(format), buf.Bytes())
}

func (h *handlers) metricsAllowed(c echo.Context) bool {
	if token := string(h.d.Config.Server.MetricsToken); token != "" {
		got, ok := auth.BearerToken(c.Request().Header.Get("Authorization"))
		if ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1 {
			return true
		}
	}
	return isLoopback(c)
}
