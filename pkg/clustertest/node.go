package clustertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startTimeout bounds a node's start: migrations on the first start, a
// cold database, a loaded CI machine.
const startTimeout = 60 * time.Second

// stopGrace is how long a node gets after SIGTERM: its drain (answering
// /readyz 503 until the load balancer notices) plus shutdown_timeout.
const stopGrace = 30 * time.Second

// Node is one "ampel serve" process of the cluster, on a fixed port (the
// same across restarts, as HAProxy knows it by address) with its own
// folder holding its config, DSN file and log.
type Node struct {
	Name string
	Dir  string
	Port int
	// PGProxy is the proxy between this node and PostgreSQL, when the
	// cluster was started with Options.PGProxy; nil otherwise.
	PGProxy *Proxy

	bin string

	mu   sync.Mutex
	proc *Process // the current run; nil before the first Start. Guarded by mu.
}

// URL is the node's own base URL, http://127.0.0.1:PORT.
func (n *Node) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", n.Port) }

// Addr is the node's host:port.
func (n *Node) Addr() string { return fmt.Sprintf("127.0.0.1:%d", n.Port) }

// ConfigPath is the node's config file.
func (n *Node) ConfigPath() string { return filepath.Join(n.Dir, "ampel.toml") }

// Start starts the node and waits until it serves HTTP (its "Ampel is
// serving" line). Starting a running node is an error.
func (n *Node) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc != nil && n.proc.Running() {
		return fmt.Errorf("clustertest: node %s is running", n.Name)
	}
	serving := &lineWatch{want: "Ampel is serving", seen: make(chan struct{})}
	proc, err := startProcess("node "+n.Name, n.bin, []string{"serve", "--config", n.ConfigPath()},
		n.Dir, nil, filepath.Join(n.Dir, "node.log"), serving)
	if err != nil {
		return err
	}
	n.proc = proc
	select {
	case <-serving.seen:
		return nil
	case <-proc.Exited():
		return fmt.Errorf("clustertest: node %s exited at start: %v\n%s", n.Name, proc.Err(), proc.LogTail(4000))
	case <-time.After(startTimeout):
		proc.Kill()
		return fmt.Errorf("clustertest: node %s not serving after %s\n%s", n.Name, startTimeout, proc.LogTail(4000))
	}
}

// Stop stops the node as an operator or systemd would (SIGTERM) and
// waits for it to exit; an error if it had to be killed or exited
// non-zero.
func (n *Node) Stop() error {
	p := n.current()
	if p == nil {
		return nil
	}
	return p.Stop(stopGrace)
}

// Kill ends the node with SIGKILL, as a host failure would, and waits
// until it is gone.
func (n *Node) Kill() error {
	p := n.current()
	if p == nil {
		return nil
	}
	return p.Kill()
}

// Signal sends sig to the node's process group.
func (n *Node) Signal(sig syscall.Signal) error {
	p := n.current()
	if p == nil {
		return fmt.Errorf("clustertest: node %s never started", n.Name)
	}
	return p.Signal(sig)
}

// Restart stops the node with SIGTERM and starts it again.
func (n *Node) Restart() error {
	if err := n.Stop(); err != nil {
		return err
	}
	return n.Start()
}

// Running reports whether the node's process is alive.
func (n *Node) Running() bool {
	p := n.current()
	return p != nil && p.Running()
}

// Exited is closed when the node's current run has exited (nil before
// the first Start).
func (n *Node) Exited() <-chan struct{} {
	p := n.current()
	if p == nil {
		return nil
	}
	return p.Exited()
}

// Log is everything the node logged, over all its runs.
func (n *Node) Log() string { return readLog(filepath.Join(n.Dir, "node.log")) }

// WaitStatus waits until GET path on the node answers code, or ctx ends
// or the node exits.
func (n *Node) WaitStatus(ctx context.Context, path string, code int) error {
	err := waitFor(ctx, n.current(), func() bool { return httpStatus(n.URL()+path) == code })
	if err != nil {
		return fmt.Errorf("clustertest: node %s: GET %s never answered %d: %w", n.Name, path, code, err)
	}
	return nil
}

func (n *Node) current() *Process {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

// httpStatus is GET url's status code, 0 when it does not answer.
func httpStatus(url string) int {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond every 50 ms until it holds; an error when ctx ends
// first or proc (if not nil) exits.
func waitFor(ctx context.Context, proc *Process, cond func() bool) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var exited <-chan struct{}
	if proc != nil {
		exited = proc.Exited()
	}
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return errors.New("the process exited")
		case <-tick.C:
		}
	}
	return nil
}

// lineWatch is a writer that closes seen once a line containing want
// went through it.
type lineWatch struct {
	want string
	seen chan struct{}

	mu   sync.Mutex
	buf  []byte
	done bool
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		if strings.Contains(line, w.want) {
			w.done = true
			w.buf = nil
			close(w.seen)
			return len(p), nil
		}
	}
}

// freePort finds a free loopback port. Another process may take it
// before it is used; the harness picks ports once per cluster, so that
// window is short.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("clustertest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// writeFile writes a file of the node's folder.
func writeFile(path, content string, mode os.FileMode) error {
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		return fmt.Errorf("clustertest: %w", err)
	}
	return nil
}
