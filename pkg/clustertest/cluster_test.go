package clustertest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// target is a loopback HTTP target answering 200.
func target(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The harness starts real nodes on one PostgreSQL behind HAProxy; a node
// killed with SIGKILL is taken out by HAProxy while requests keep being
// answered, and comes back on the same port after a restart.
func TestHarnessKillAndRestartBehindHAProxy(t *testing.T) {
	c := New(t, Options{Nodes: 2, Config: OneCheckConfig("Cluster Test", target(t)), Server: `shutdown_timeout = "5s"`,
		HAProxy: true, ReadyPath: "/healthz"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Nodes {
		if code := httpStatus(n.URL() + "/api/v2/status.json"); code != http.StatusOK {
			t.Fatalf("node %s: status.json %d", n.Name, code)
		}
	}

	var ok, failed atomic.Int64
	var failures sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		client := &http.Client{Timeout: 10 * time.Second}
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := client.Get(c.LB.URL() + "/api/v2/status.json")
			if err != nil {
				failed.Add(1)
				failures.Store(err.Error(), true)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed.Add(1)
				failures.Store(resp.Status, true)
				continue
			}
			ok.Add(1)
		}
	}()

	n1 := c.Node("n1")
	before := ok.Load()
	if err := n1.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := c.LB.WaitUp(ctx, "n2"); err != nil {
		t.Fatal(err)
	}
	if err := n1.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if ok.Load() == before {
		t.Fatal("no request answered through HAProxy across the kill")
	}
	if n := failed.Load(); n > 0 {
		var errs []string
		failures.Range(func(k, _ any) bool { errs = append(errs, k.(string)); return true })
		t.Fatalf("%d of %d requests through HAProxy failed across a SIGKILL: %s", n, n+ok.Load(), strings.Join(errs, "; "))
	}
	t.Logf("%d requests through HAProxy, none failed", ok.Load())

	// One-shot commands run against the same database.
	out, err := c.Run("", "token", "create", "--config", "{config}", "--role", "operator", "--name", "drill")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "ampel_op_") {
		t.Fatalf("token create printed %q", out)
	}
}

// Stop ends a node with SIGTERM: it exits cleanly, and Running says so.
func TestHarnessStop(t *testing.T) {
	c := New(t, Options{Nodes: 1, Config: OneCheckConfig("Cluster Test", target(t)), Server: `shutdown_timeout = "5s"`})
	n := c.Nodes[0]
	if !n.Running() {
		t.Fatal("node not running after start")
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if n.Running() {
		t.Fatal("node running after Stop")
	}
	if code := httpStatus(n.URL() + "/healthz"); code != 0 {
		t.Fatalf("stopped node answered %d", code)
	}
}
