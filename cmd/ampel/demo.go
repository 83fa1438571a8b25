package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/demo"
	"github.com/ampelstatus/ampel/probes"
	"github.com/ampelstatus/ampel/store"
)

// demoCmd runs the real server against a simulated fleet on loopback, with
// a year of generated history in a throw-away data folder.
func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ampel demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "host:port to serve the demo on (port 0 picks a free one)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "ampel demo: takes no arguments besides --listen")
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if err := runDemo(ctx, *listen, logger, stdout); err != nil {
		logger.Error("demo failed", "err", err)
		return 1
	}
	return 0
}

func runDemo(ctx context.Context, listen string, logger *slog.Logger, stdout io.Writer) error {
	// Say early, before the backfill, that the address is taken.
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (pick another address with --listen): %w", listen, err)
	}
	listen = ln.Addr().String() // port 0 becomes the port the heartbeat job calls
	ln.Close()
	dir, err := os.MkdirTemp("", "ampel-demo-")
	if err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	defer os.RemoveAll(dir)

	now := time.Now()
	scenario := demo.NewScenario(now)
	targets, err := demo.StartTargets(scenario)
	if err != nil {
		return fmt.Errorf("simulated fleet: %w", err)
	}
	defer targets.Close()
	var kinds []string
	for _, k := range probes.KindNames() {
		if err := probes.Permitted(k); err != nil {
			logger.Warn("demo leaves out a kind this process may not probe", "kind", k, "err", err)
			continue
		}
		kinds = append(kinds, k)
	}
	cfg, err := demo.Config(dir, listen, targets, kinds)
	if err != nil {
		return err
	}
	probers, err := prepareChecks(cfg)
	if err != nil {
		return err
	}
	engine, err := demo.Seed(ctx, cfg, scenario, now, time.Now, stdout)
	if err != nil {
		return err
	}
	stopJob, err := startDemoJob(ctx, cfg, listen, scenario)
	if err != nil {
		return err
	}
	defer stopJob()
	fmt.Fprintf(stdout, "Demo data in %s (removed on exit); stop with Ctrl-C\n", dir)
	return runServer(ctx, cfg, probers, logger, stdout, engine)
}

// startDemoJob makes the token of the demo's heartbeat check and starts
// the job that calls with it.
func startDemoJob(ctx context.Context, cfg *config.Config, listen string, scenario *demo.Scenario) (stop func(), err error) {
	st, err := store.Open(ctx, cfg.Storage.Path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	secret := auth.NewSecret(heartbeatTokenPrefix)
	if _, err := st.CreateToken(ctx, store.Token{Kind: store.TokenHeartbeat, Check: "export-job", Name: "export-job"}, secret, time.Now()); err != nil {
		return nil, fmt.Errorf("demo heartbeat token: %w", err)
	}
	url := "http://" + listen + "/api/v1/heartbeat/" + secret
	return runUntilStopped(context.Background(), func(ctx context.Context) { demo.RunJob(ctx, url, scenario) }), nil
}
