package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/metrics"
)

// newMetrics builds Ampel's own metrics, per check or per zone as
// metrics.per_check says (or, when it says nothing, by the number of
// check-zone pairs). When the number chose per zone it says so: a fleet
// that grows past the limit loses ampel_check_up, and an alert or panel
// on it goes quiet rather than failing.
func newMetrics(cfg *config.Config, logger *slog.Logger) *metrics.Metrics {
	if cfg.Metrics.PerCheck != nil {
		return metrics.NewWith(metrics.Options{PerZone: !*cfg.Metrics.PerCheck})
	}
	pairs := checkZonePairs(cfg)
	perZone := pairs > config.PerCheckLimit
	if perZone {
		logger.Info("metrics per zone: ampel_checks_up{zone} and ampel_checks_down{zone} replace ampel_check_up{check,zone}, and the probe histogram and failure counter are per zone; set [metrics] per_check = true to keep them per check",
			"check_zone_pairs", pairs, "per_check_limit", config.PerCheckLimit)
	}
	return metrics.NewWith(metrics.Options{PerZone: perZone})
}

// checkZonePairs counts the checks in each of their zones: the subjects
// whose series, rows and timelines grow with the fleet.
func checkZonePairs(cfg *config.Config) int {
	pairs := 0
	for _, comp := range cfg.Components {
		for _, chk := range comp.Checks {
			pairs += len(chk.Zones)
		}
	}
	return pairs
}

// startPprof serves Go's profiler on server.pprof_listen (a loopback
// address, checked by config), on a listener of its own so that the
// site's middleware and limits neither see nor slow it. It returns a
// function that closes it; with no pprof_listen it does nothing.
func startPprof(cfg *config.Config, logger *slog.Logger) (stop func(), err error) {
	if cfg.Server.PprofListen == "" {
		return func() {}, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	stop, err = serveAside(cfg.Server.PprofListen, "profiler", mux, logger)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (server.pprof_listen): %w", cfg.Server.PprofListen, err)
	}
	return stop, nil
}

// serveAside serves h on a listener of its own at addr until stop is
// called: the profiler, an agent's metrics. what names it in the log.
func serveAside(addr, what string, h http.Handler, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn(what+" server", "err", err)
		}
	}()
	logger.Info(what+" listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
