// Package ui serves Ampel over HTTP: the public status pages, live updates
// (/events), badges and the Statuspage-compatible JSON, health and metrics
// endpoints (and, as it arrives, the console). It is the only package that
// imports echo.
package ui

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/backup"
	"github.com/ampelstatus/ampel/pkg/config"
	beat "github.com/ampelstatus/ampel/pkg/heartbeat"
	"github.com/ampelstatus/ampel/pkg/remote"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// Deps is what the handlers read from.
type Deps struct {
	Config *config.Config
	Engine *state.Engine
	// Health reports why Ampel cannot do its job, or nil.
	Health func() error
	// Ready reports why a load balancer should not send this node
	// requests now (starting, draining), or nil; nil Ready: always.
	Ready    func() error
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Started is when serving began (the page's first updated_at).
	Started time.Time
	// Created is when each component (by slug) first appeared, from
	// store.ComponentsSeen: Statuspage's created_at. A component missing
	// here shows Started.
	Created map[string]time.Time
	// Agents serves the agent API of remote zones; nil leaves it out.
	Agents *remote.Receiver
	// Store is read for history (bars, charts, state changes); nil shows
	// no history.
	Store *store.Store
	// Feed carries live updates to /events and versions the page cache;
	// nil turns live updates off (pages then follow Engine.UpdatedAt).
	Feed *Feed
	// MaxStreams caps open /events streams in all, StreamsPerClient one
	// client's (an IPv6 client by its /64); 50,000 and 32 when zero.
	MaxStreams, StreamsPerClient int
	// Heartbeat is how often an idle /events stream sends a comment line
	// so proxies keep it open; 15 s when zero.
	Heartbeat time.Duration
	// OnIncidentChange, when not nil, is called after an incident or a
	// maintenance window was created or changed, before the answer, so
	// the components show what operators now say.
	OnIncidentChange func(context.Context)
	// Backups reports the scheduled snapshots for the console's
	// dashboard; nil when they are off.
	Backups func() backup.Status
	// Heartbeats takes the calls of heartbeat checks' jobs; nil (or no
	// heartbeat checks) leaves their URL out.
	Heartbeats *beat.Monitor
	// ClusterLimits counts the rate and login limits strangers can meet
	// in Store, so every node of a cluster sees the same counts and a
	// limit holds once, not once per node; otherwise each counts in
	// this process's memory.
	ClusterLimits bool
	// HookResolver looks up the hosts of subscribers' webhook URLs at
	// sign-up; nil is the system's. Tests point it at a DNS server of
	// their own.
	HookResolver *net.Resolver
}

// New returns the HTTP handler for everything Ampel serves.
func New(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Heartbeat <= 0 {
		d.Heartbeat = heartbeat
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = clientIP(d.Config)
	e.HTTPErrorHandler = errorHandler(d.Logger)
	// One middleware before routing, one after: echo v4 wraps each in a
	// new closure for every request.
	e.Pre(beforeRouting)
	e.Use(restoreHead)

	s, err := newSite(d)
	if err != nil {
		// Templates and assets are embedded: this is a build defect,
		// caught by every test that calls New.
		panic(err)
	}
	h := &handlers{d: d, site: s, promHandler: PromHandler(d.Gatherer, d.Logger)}
	s.routes(e)
	subscribeRoutes(e, s)
	agentRoutes(e, d.Agents, d.Now, newSharedLimits(d))
	heartbeatRoutes(e, d)
	operatorAPIRoutes(e, d, s.edited)
	consoleRoutes(e, d, s)
	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	e.GET("/metrics", h.metrics)
	return e
}

// NewServer wraps h in an http.Server with timeouts, so slow clients cannot
// hold connections open forever.
func NewServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
}

type handlers struct {
	d           Deps
	site        *site
	promHandler http.Handler // serves /metrics
}

// csp allows scripts, styles and connections from this origin only (no
// inline script or style), images also over https (a logo) and as data:.
const csp = "default-src 'self'; img-src 'self' https: data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// beforeRouting sets the headers every response carries, a 404 too,
// and routes HEAD as GET (see headAsGet).
func beforeRouting(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		secureHeaders(c)
		headAsGet(c)
		return next(c)
	}
}

// secureHeaders sets the headers every response carries.
func secureHeaders(c echo.Context) {
	h := c.Response().Header() // prepared values: see respond.go
	h["X-Content-Type-Options"] = hdrNosniff
	h["Referrer-Policy"] = hdrReferrer
	h["Content-Security-Policy"] = hdrCSP
	if c.Request().TLS != nil {
		h["Strict-Transport-Security"] = hdrHSTS
	}
}

// apiError is the JSON body of every API error.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// errorHandler answers errors as JSON without internal detail, and logs
// the unexpected ones.
func errorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		code, msg := http.StatusInternalServerError, "internal error"
		if he, ok := err.(*echo.HTTPError); ok {
			code = he.Code
			if m, ok := he.Message.(string); ok {
				msg = m
			} else {
				msg = http.StatusText(code)
			}
		}
		if code >= 500 {
			logger.Error("request failed", "path", c.Request().URL.Path, "err", err)
		}
		_ = c.JSON(code, apiError{Error: msg})
	}
}

// clientIP says where a request comes from. echo's default trusts
// X-Forwarded-For from anyone, and loopback-only /metrics and the per-IP
// limits need the real client: the peer, or with server.trusted_proxies
// the address those proxies forwarded (and only they).
func clientIP(cfg *config.Config) echo.IPExtractor {
	if cfg == nil || len(cfg.Server.Proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range cfg.Server.Proxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// isLoopback reports whether the request comes from this machine.
func isLoopback(c echo.Context) bool {
	ip := net.ParseIP(c.RealIP())
	return ip != nil && ip.IsLoopback()
}
