package ui

import (
	"crypto/subtle"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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

// readyz answers 200 while a load balancer should send this node
// requests, 503 with the reason while it starts or drains.
func (h *handlers) readyz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if h.d.Ready != nil {
		if err := h.d.Ready(); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unready", "error": err.Error()})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// metrics serves the registry to loopback clients, or to anyone with the
// configured bearer token: metric labels name internal checks. promhttp
// negotiates the format (OpenMetrics when the scraper asks for it, the
// text format otherwise) and gzip.
func (h *handlers) metrics(c echo.Context) error {
	if !h.metricsAllowed(c) {
		return echo.NewHTTPError(http.StatusForbidden, "metrics are served to loopback clients or with the metrics token")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	h.promHandler.ServeHTTP(c.Response(), c.Request())
	return nil
}

// PromHandler serves g through promhttp; a gathering error is logged
// and the metrics that could be gathered are still served.
func PromHandler(g prometheus.Gatherer, logger *slog.Logger) http.Handler {
	if g == nil {
		g = prometheus.NewRegistry()
	}
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		ErrorHandling:     promhttp.ContinueOnError,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	})
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
