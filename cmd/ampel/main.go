// Command ampel is a self-hosted status page and uptime monitor: one binary
// that probes, records history and serves the status site. main only parses
// flags and wires the packages together.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `Usage: ampel <command> [flags]

Commands:
  serve --config PATH         run the status site, probes and history
  demo [--listen ADDR]        run a demo with a simulated fleet and 90 days of history
  check-config --config PATH  validate a config file
  backup --config PATH --out FILE
                              write a verified snapshot of the database (safe while serving)
  restore --config PATH --from FILE
                              install a snapshot as the database (the server must be stopped)
  migrate-db --config NEW.toml --from OLD.db
                              copy a SQLite history into an empty PostgreSQL database, and verify it
  agent --server URL --zone NAME --token-file PATH [--spool DIR]
                              probe from a remote zone and push results
  token create --config PATH --zone NAME --name NAME
                              create a zone token for agents (printed once)
  token create --config PATH --role operator|admin --name NAME
                              create an operator API token (printed once)
  user add|passwd|disable --config PATH --email ADDR [--role admin|operator]
                              manage console accounts (password on stdin)
  version                     print the version

Run "ampel <command> -h" for a command's flags.
`

// run executes one command and returns the process exit code: 0 on
// success, 1 when the command failed, 2 for a usage mistake.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "demo":
		return demoCmd(ctx, rest, stdout, stderr)
	case "check-config":
		return checkConfig(rest, stdout, stderr)
	case "backup":
		return backupCmd(ctx, rest, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, rest, stdout, stderr)
	case "migrate-db":
		return migrateDB(ctx, rest, stdout, stderr)
	case "agent":
		return agentCmd(ctx, rest, stderr)
	case "token":
		return token(ctx, rest, stdout, stderr)
	case "user":
		return userCmd(ctx, rest, stdin, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "ampel %s\n", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "ampel: unknown command %q\n\n%s", cmd, usage)
	return 2
}
