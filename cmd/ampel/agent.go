package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/ampelstatus/ampel/pkg/agent"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/spool"
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
	a, err := agent.New(agent.Options{
		Server: *server, Zone: *zone, Token: strings.TrimSpace(string(tok)), SpoolDir: *spoolDir,
		Spool:        spool.Options{MaxBytes: *maxBytes, MaxAge: age},
		PullInterval: pullEvery, Version: version, Logger: logger,
	})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := a.Run(ctx); err != nil {
		logger.Error("agent failed", "err", err)
		return 1
	}
	return 0
}
