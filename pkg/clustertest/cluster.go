package clustertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/pgtest"
)

// Options describe a cluster.
type Options struct {
	// Nodes is the number of "ampel serve" processes (default 3), named
	// n1, n2, ...
	Nodes int
	// Config is the TOML every node shares: [site], zones, components,
	// [smtp]... everything but the [server] listen address, [storage]
	// and [cluster], which the harness writes.
	Config string
	// Files are written into every node's folder, next to its config:
	// name to content, mode 0600 (secrets that the config's *_file keys
	// name).
	Files map[string]string
	// Server holds extra keys of the [server] table, one per line
	// (shutdown_timeout = "5s").
	Server string
	// Cluster writes [cluster] enabled = true with the node's name (and
	// Lease when set). Off, every node runs as a single Ampel would.
	Cluster bool
	// Lease is [cluster] lease; zero leaves Ampel's default.
	Lease time.Duration
	// Drain is [cluster] drain, how long a stopping node answers /readyz
	// 503 first; zero leaves Ampel's default (5s). HAProxy here takes a
	// node out within about a second.
	Drain time.Duration
	// PGProxy puts a Proxy of its own between each node and PostgreSQL
	// (Node.PGProxy), to cut one node off the database.
	PGProxy bool
	// HAProxy starts HAProxy in front of the nodes.
	HAProxy bool
	// ReadyPath is the path HAProxy and WaitReady check (default
	// "/readyz").
	ReadyPath string
	// Fsync turns fsync on in PostgreSQL (off: faster, as unit tests want).
	Fsync bool
	// Keep keeps the cluster's folder (configs, logs) after Close.
	Keep bool
}

// Cluster is a running cluster: PostgreSQL, the nodes, and HAProxy when
// asked for.
type Cluster struct {
	Dir   string
	PG    *pgtest.Server
	DSN   string // the database, directly (not through a node's proxy)
	Nodes []*Node
	LB    *HAProxy // nil unless Options.HAProxy

	opts Options
	bin  string

	mu     sync.Mutex
	extras []*Process // agents and other helpers. Guarded by mu.
}

// New starts a cluster for a test, closed when the test ends; it fails
// the test when anything does not start.
func New(t testing.TB, opts Options) *Cluster {
	t.Helper()
	c, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			c.dumpLogs(t)
		}
		if err := c.Close(); err != nil {
			t.Errorf("clustertest: close: %v", err)
		}
	})
	return c
}

// Start builds (once) and starts a cluster: PostgreSQL with an empty
// database, each node in turn (the first one runs the migrations), then
// HAProxy once every node serves. The caller must Close it.
func Start(opts Options) (c *Cluster, err error) {
	if opts.Nodes == 0 {
		opts.Nodes = 3
	}
	if opts.ReadyPath == "" {
		opts.ReadyPath = "/readyz"
	}
	for _, table := range []string{"[server]", "[storage]", "[cluster]"} {
		if strings.Contains(opts.Config, table) {
			return nil, fmt.Errorf("clustertest: Options.Config has %s, which the harness writes", table)
		}
	}
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ampel-cluster-")
	if err != nil {
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	c = &Cluster{Dir: dir, opts: opts, bin: bin}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if c.PG, err = pgtest.StartServer(pgtest.Options{Fsync: opts.Fsync}); err != nil {
		return c, err
	}
	if c.DSN, err = c.PG.CreateDB("ampel"); err != nil {
		return c, err
	}
	for i := range opts.Nodes {
		n, err := c.addNode(fmt.Sprintf("n%d", i+1))
		if err != nil {
			return c, err
		}
		if err := n.Start(); err != nil {
			return c, err
		}
	}
	if opts.HAProxy {
		var backends []Backend
		for _, n := range c.Nodes {
			backends = append(backends, Backend{Name: n.Name, Addr: n.Addr()})
		}
		if c.LB, err = StartHAProxy(dir, opts.ReadyPath, backends); err != nil {
			return c, err
		}
	}
	return c, nil
}

// addNode makes a node's folder, config and DSN file.
func (c *Cluster) addNode(name string) (*Node, error) {
	n := &Node{Name: name, Dir: filepath.Join(c.Dir, name), bin: c.bin}
	if err := os.Mkdir(n.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	n.Port = port
	dsn := c.DSN
	if c.opts.PGProxy {
		if n.PGProxy, err = StartProxy(fmt.Sprintf("127.0.0.1:%d", c.PG.Port())); err != nil {
			return nil, err
		}
		dsn = strings.Replace(dsn, fmt.Sprintf(":%d/", c.PG.Port()), fmt.Sprintf(":%d/", n.PGProxy.Port()), 1)
	}
	c.Nodes = append(c.Nodes, n)
	if err := writeFile(filepath.Join(n.Dir, "pg.dsn"), dsn+"\n", 0o600); err != nil {
		return nil, err
	}
	for name, content := range c.opts.Files {
		if err := writeFile(filepath.Join(n.Dir, name), content, 0o600); err != nil {
			return nil, err
		}
	}
	return n, writeFile(n.ConfigPath(), c.nodeConfig(n), 0o600)
}

// nodeConfig is a node's ampel.toml: the shared config with the node's
// listen address, the database, and its name in the cluster.
func (c *Cluster) nodeConfig(n *Node) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# written by clustertest for node %s\n[server]\nlisten = %q\n", n.Name, n.Addr())
	if c.opts.Server != "" {
		b.WriteString(strings.TrimSpace(c.opts.Server) + "\n")
	}
	b.WriteString("\n[storage]\ndriver = \"postgres\"\ndsn_file = \"pg.dsn\"\nmax_open_conns = 6\n")
	if c.opts.Cluster {
		fmt.Fprintf(&b, "\n[cluster]\nenabled = true\nnode = %q\n", n.Name)
		if c.opts.Lease > 0 {
			fmt.Fprintf(&b, "lease = %q\n", c.opts.Lease.String())
		}
		if c.opts.Drain > 0 {
			fmt.Fprintf(&b, "drain = %q\n", c.opts.Drain.String())
		}
	}
	b.WriteString("\n" + c.opts.Config + "\n")
	return b.String()
}

// Node returns the node called name, or nil.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// WaitReady waits until every running node answers its ready path with
// 200 and, with HAProxy, HAProxy sees exactly those nodes up.
func (c *Cluster) WaitReady(ctx context.Context) error {
	var up []string
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		if err := n.WaitStatus(ctx, c.opts.ReadyPath, 200); err != nil {
			return err
		}
		up = append(up, n.Name)
	}
	if c.LB != nil {
		if err := c.LB.WaitUp(ctx, up...); err != nil {
			states, _ := c.LB.ServerStates()
			return fmt.Errorf("clustertest: haproxy does not see %v up (states %v): %w", up, states, err)
		}
	}
	return nil
}

// Run runs a one-shot ampel command (token create, user add, ...) and
// returns its stdout. "{config}" in args stands for the first node's
// config file; stdin may be empty.
func (c *Cluster) Run(stdin string, args ...string) (string, error) {
	args = append([]string(nil), args...)
	for i, a := range args {
		if a == "{config}" {
			args[i] = c.Nodes[0].ConfigPath()
		}
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("clustertest: ampel %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// StartAgent starts "ampel agent" for zone with token, pushing to server
// (HAProxy's URL, or a node's), with its spool in the cluster's folder.
// It is killed at Close.
func (c *Cluster) StartAgent(zone, token, server string, extra ...string) (*Process, error) {
	dir, err := os.MkdirTemp(c.Dir, "agent-"+zone+"-")
	if err != nil {
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	tokenFile := filepath.Join(dir, "token")
	if err := writeFile(tokenFile, token+"\n", 0o600); err != nil {
		return nil, err
	}
	args := append([]string{"agent", "--server", server, "--zone", zone, "--token-file", tokenFile,
		"--spool", filepath.Join(dir, "spool")}, extra...)
	p, err := startProcess("agent "+zone, c.bin, args, dir, nil, filepath.Join(dir, "agent.log"), nil)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.extras = append(c.extras, p)
	c.mu.Unlock()
	return p, nil
}

// Close kills everything the cluster started and removes its folder
// (unless Options.Keep).
func (c *Cluster) Close() error {
	var errs []error
	if c.LB != nil {
		errs = append(errs, c.LB.Close())
	}
	c.mu.Lock()
	for _, p := range c.extras {
		errs = append(errs, p.Kill())
	}
	c.mu.Unlock()
	for _, n := range c.Nodes {
		errs = append(errs, n.Kill())
		if n.PGProxy != nil {
			n.PGProxy.Close()
		}
	}
	if c.PG != nil {
		errs = append(errs, c.PG.Close())
	}
	if !c.opts.Keep {
		errs = append(errs, os.RemoveAll(c.Dir))
	}
	return errors.Join(errs...)
}

// dumpLogs shows the end of every node's and HAProxy's log in a failed
// test.
func (c *Cluster) dumpLogs(t testing.TB) {
	for _, n := range c.Nodes {
		t.Logf("--- node %s log (end):\n%s", n.Name, tail(n.Log(), 6000))
	}
	if c.LB != nil {
		t.Logf("--- haproxy log (end):\n%s", tail(c.LB.Log(), 4000))
	}
}

// OneCheckConfig is a config of one component, "api", probed every second
// from the local zone against target: the smallest cluster to fail over.
func OneCheckConfig(title, target string) string {
	return fmt.Sprintf(`
[site]
title = %q
timezone = "UTC"

[[zones]]
name = "local"
kind = "local"

[[components]]
slug = "api"
name = "API"

  [[components.checks]]
  name = "api-health"
  kind = "http"
  target = %q
  interval = "1s"
  timeout = "1s"
`, title, target)
}
