package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/ampelstatus/ampel/pkg/agent"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/pkg/spool"
	"github.com/ampelstatus/ampel/ui"
)

// agentCmd runs "ampel agent": probes for one remote zone.
func agentCmd(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("ampel agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "URL of the Ampel server")
	zone := fs.String("zone", "", "name of the remote zone this agent probes from")
	tokenFile := fs.String("token-file", "", "file holding the zone token")
	spoolDir := fs.String("spool", "", `folder of the result spool (default "ampel-spool-ZONE")`)
	maxBytes := fs.Int64("spool-max-bytes", 64<<20, "largest spool on disk; the oldest results beyond it are dropped and counted")
	maxAge := fs.String("spool-max-age", "7d", "results older than this are dropped from the spool and counted")
	pull := fs.String("pull-interval", "30s", "how often the checks are re-pulled")
	metricsAddr := fs.String("metrics-listen", "", "serve this agent's own metrics (probe lag, spool) at http://ADDR/metrics; keep ADDR on loopback or a private network")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *server == "" || *zone == "" || *tokenFile == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "ampel agent: --server, --zone and --token-file are required")
		return 2
	}
	age, err1 := config.ParseDuration(*maxAge)
	pullEvery, err2 := config.ParseDuration(*pull)
	if err := errors.Join(err1, err2); err != nil || age <= 0 || pullEvery <= 0 || *maxBytes <= 0 {
		fmt.Fprintf(stderr, "ampel agent: --spool-max-age, --pull-interval and --spool-max-bytes must be positive: %v\n", err)
		return 2
	}
	tok, err := os.ReadFile(*tokenFile)
	if err != nil || strings.TrimSpace(string(tok)) == "" {
		fmt.Fprintf(stderr, "ampel agent: --token-file: cannot read a token from %s: %v\n", *tokenFile, err)
		return 1
	}
	if *spoolDir == "" {
		*spoolDir = "ampel-spool-" + *zone
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	opts := agent.Options{
		Server: *server, Zone: *zone, Token: strings.TrimSpace(string(tok)), SpoolDir: *spoolDir,
		Spool:        spool.Options{MaxBytes: *maxBytes, MaxAge: age},
		PullInterval: pullEvery, Version: version, Logger: logger,
	}
	var a *agent.Agent
	var own *metrics.Agent
	if *metricsAddr != "" {
		own = metrics.NewAgent(func() metrics.SpoolCounts {
			st := a.Spool().Stats()
			return metrics.SpoolCounts{Depth: int64(st.Depth), Dropped: st.Dropped}
		})
		opts.OnStart, opts.OnSkip = own.ObserveLag, own.Skipped
	}
	a, err = agent.New(opts)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if own != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", ui.PromHandler(own.Registry, logger))
		// The metrics name no check, so they need no token; the address
		// keeps strangers out.
		stop, err := serveAside(*metricsAddr, "agent metrics", mux, logger)
		if err != nil {
			fmt.Fprintf(stderr, "ampel agent: --metrics-listen: %v\n", err)
			return 1
		}
		defer stop()
	}
	if err := a.Run(ctx); err != nil {
		logger.Error("agent failed", "err", err)
		return 1
	}
	return 0
}
