package clustertest

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// haproxyBin is Debian's haproxy (package haproxy, 2.6).
const haproxyBin = "/usr/sbin/haproxy"

// Backend is one server behind HAProxy.
type Backend struct {
	Name string // the server's name in HAProxy (the node's name)
	Addr string // host:port
}

// HAProxy is Debian's HAProxy in front of the nodes, health-checking each
// on a path (/readyz) and retrying a request that found a dead node on
// another one.
type HAProxy struct {
	proc      *Process
	port      int // the public frontend
	statsPort int // the stats page, CSV at /stats;csv
	cfgPath   string
}

// HAProxyConfig is the configuration the harness runs, the same shape
// docs/cluster.md shows for production (with shorter timeouts): health
// checks every 500 ms, down after 2 failed ones and at once after a
// refused connection, up after 2 good ones; a request whose connection
// failed or got no answer is retried on another node (option redispatch
// 1: on every retry); SSE streams live in the tunnel timeout.
func HAProxyConfig(port, statsPort int, readyPath string, backends []Backend) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    log stderr format raw local0 info
    maxconn 4096

defaults
    mode http
    log global
    option httplog
    # log only what went wrong: errors, retries, redispatches
    option dontlog-normal
    timeout connect 500ms
    timeout client 1m
    timeout server 30s
    timeout http-request 10s
    timeout queue 10s
    timeout tunnel 1h
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend public
    bind 127.0.0.1:%d
    default_backend ampel

backend ampel
    balance roundrobin
    option httpchk GET %s
    http-check expect status 200
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down
`, port, readyPath)
	for _, be := range backends {
		fmt.Fprintf(&b, "    server %s %s check\n", be.Name, be.Addr)
	}
	fmt.Fprintf(&b, `
frontend stats
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
`, statsPort)
	return b.String()
}

// StartHAProxy writes the config into dir and starts HAProxy in the
// foreground.
func StartHAProxy(dir, readyPath string, backends []Backend) (*HAProxy, error) {
	if _, err := os.Stat(haproxyBin); err != nil {
		return nil, fmt.Errorf("clustertest: HAProxy is not installed (apt-get install haproxy): %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	statsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	h := &HAProxy{port: port, statsPort: statsPort, cfgPath: filepath.Join(dir, "haproxy.cfg")}
	if err := os.WriteFile(h.cfgPath, []byte(HAProxyConfig(port, statsPort, readyPath, backends)), 0o644); err != nil {
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	if out, err := exec.Command(haproxyBin, "-c", "-q", "-f", h.cfgPath).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("clustertest: haproxy -c %s: %w\n%s", h.cfgPath, err, out)
	}
	// -db: stay in the foreground, so the process is ours to stop.
	h.proc, err = startProcess("haproxy", haproxyBin, []string{"-db", "-f", h.cfgPath}, dir, nil, filepath.Join(dir, "haproxy.log"), nil)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(ctx, h.proc, func() bool { _, err := h.ServerStates(); return err == nil }); err != nil {
		h.proc.Kill()
		return nil, fmt.Errorf("clustertest: haproxy did not start: %w\n%s", err, h.proc.LogTail(2000))
	}
	return h, nil
}

// URL is the public front door, http://127.0.0.1:PORT.
func (h *HAProxy) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", h.port) }

// ConfigPath is the haproxy.cfg in use.
func (h *HAProxy) ConfigPath() string { return h.cfgPath }

// Log is what HAProxy logged: failed health checks, servers going down
// and up, and every request that was not answered normally.
func (h *HAProxy) Log() string { return h.proc.Log() }

// Close stops HAProxy.
func (h *HAProxy) Close() error { return h.proc.Kill() }

// ServerStates reads each backend server's state ("UP", "DOWN",
// "UP 1/2", "MAINT", ...) from the stats page.
func (h *HAProxy) ServerStates() (map[string]string, error) {
	rows, err := h.stats()
	if err != nil {
		return nil, err
	}
	states := map[string]string{}
	for _, r := range rows {
		if r["pxname"] == "ampel" && r["svname"] != "BACKEND" {
			states[r["svname"]] = r["status"]
		}
	}
	return states, nil
}

// Retries is how many requests HAProxy retried or redispatched after a
// node failed them (the "wretr" and "wredis" counters of the backend):
// failures the clients did not see.
func (h *HAProxy) Retries() (retried, redispatched int, err error) {
	rows, err := h.stats()
	if err != nil {
		return 0, 0, err
	}
	for _, r := range rows {
		if r["pxname"] == "ampel" && r["svname"] == "BACKEND" {
			fmt.Sscan(r["wretr"], &retried)
			fmt.Sscan(r["wredis"], &redispatched)
		}
	}
	return retried, redispatched, nil
}

// WaitUp waits until HAProxy sees exactly the named servers UP (and the
// others not), or ctx ends.
func (h *HAProxy) WaitUp(ctx context.Context, names ...string) error {
	return waitFor(ctx, h.proc, func() bool {
		states, err := h.ServerStates()
		if err != nil {
			return false
		}
		up := 0
		for name, st := range states {
			isUp := st == "UP"
			want := false
			for _, n := range names {
				want = want || n == name
			}
			if isUp != want {
				return false
			}
			if isUp {
				up++
			}
		}
		return up == len(names)
	})
}

// stats reads the stats page's CSV as one map per row.
func (h *HAProxy) stats() ([]map[string]string, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/stats;csv", h.statsPort))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("haproxy stats: %s", resp.Status)
	}
	r := csv.NewReader(resp.Body)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, fmt.Errorf("haproxy stats: %v", err)
	}
	head := recs[0]
	head[0] = strings.TrimPrefix(head[0], "# ")
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, v := range rec {
			if i < len(head) {
				row[head[i]] = v
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}
