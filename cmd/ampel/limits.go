package main

import (
	"log/slog"
	"net"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/connlimit"
	"github.com/ampelstatus/ampel/pkg/metrics"
)

// limitInbound derives the caps on inbound connections and streams from
// the descriptor limit (raised to its hard limit first), logs them, and
// returns ln wrapped to enforce the connection caps, with the budget the
// stream caps come from. Whatever the crowd does, the reserve stays for
// probes, the store and mail.
func limitInbound(ln net.Listener, cfg *config.Config, m *metrics.Metrics, logger *slog.Logger) (*connlimit.Listener, connlimit.Budget) {
	files, err := connlimit.RaiseFiles()
	if err != nil {
		logger.Warn("cannot read the descriptor limit; assuming 1024", "err", err)
		files = 1024
	}
	probes := cfg.ProbeWorkers()
	b := connlimit.Plan(files, probes, cfg.Server.StreamsPerClient)
	logger.Info("connection limits", "files", b.Files, "reserve", b.Reserve,
		"connections", b.Connections, "connections_per_client", b.PerClient,
		"streams", b.Streams, "streams_per_client", b.StreamsPerClient, "probe_workers", probes)
	if b.Starved(probes) {
		logger.Warn("descriptor limit too low for the probes and the crowd; raise it (systemd LimitNOFILE=, ulimit -n)",
			"files", b.Files, "max_concurrent", probes)
	}
	lim := connlimit.NewListener(ln, b.Connections, b.PerClient, cfg.Server.Proxies)
	m.Gauge("ampel_http_connections_open", "Inbound connections open.", func() float64 { return float64(lim.Open()) })
	m.Gauge("ampel_http_connections_max", "Inbound connections allowed at once, from the descriptor limit.", func() float64 { return float64(b.Connections) })
	m.Counter("ampel_http_connections_refused_total", "Inbound connections refused past a cap.", func() float64 { return float64(lim.Refused()) })
	return lim, b
}

// warnWithoutPublicURL warns when strangers can reach a server that has
// no site.public_url: its feeds, calendar and mails then name whatever
// host a request used, and only hosts listed in site.hosts are cached.
func warnWithoutPublicURL(cfg *config.Config, addr net.Addr, logger *slog.Logger) {
	if cfg.Site.PublicURL != "" {
		return
	}
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return
	}
	logger.Warn("site.public_url is unset on a public listener: links in feeds, the calendar and mails name the host each request used, and responses are cached only for the hosts in site.hosts; set site.public_url",
		"addr", addr.String(), "hosts", len(cfg.Site.Hosts))
}
