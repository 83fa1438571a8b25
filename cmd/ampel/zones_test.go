package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/spool"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// zoneTarget is an HTTP target that fails for probes from the zones told
// to fail: probes name their zone in the User-Agent.
type zoneTarget struct {
	mu      sync.Mutex
	failing map[string]bool
}

func (z *zoneTarget) fail(zones ...string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.failing = map[string]bool{}
	for _, n := range zones {
		z.failing[n] = true
	}
}

func (z *zoneTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	z.mu.Lock()
	defer z.mu.Unlock()
	for n := range z.failing {
		if strings.Contains(r.UserAgent(), "zone="+n+")") {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ok"))
}

// freePort returns a loopback address free a moment ago: the server must
// come back on the same address after a restart, for the agents.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// bulkChecks is how many checks besides api-health each agent runs.
const bulkChecks = 20

func writeZonesConfig(t *testing.T, dir, listen, target string) string {
	t.Helper()
	cfg := fmt.Sprintf(`
[site]
title = "Zones"
timezone = "UTC"

[server]
listen = %q
shutdown_timeout = "5s"

[storage]
path = "ampel.db"

[[zones]]
name = "z1"
kind = "remote"
[[zones]]
name = "z2"
kind = "remote"
[[zones]]
name = "z3"
kind = "remote"

[[components]]
slug = "api"
name = "API"

  [[components.checks]]
  name = "api-health"
  kind = "http"
  target = %q
  # 2s, so three intervals (6s) before a zone is stale leave room for
  # agents that push once a second on a loaded two-core CI machine.
  interval = "2s"
  timeout = "1s"
  failures_to_down = 1
`, listen, target)
	// More checks, so results are in flight when the server is killed.
	cfg += "\n[[components]]\nslug = \"bulk\"\nname = \"Bulk\"\n"
	for i := range bulkChecks {
		cfg += fmt.Sprintf("  [[components.checks]]\n  name = \"bulk-%d\"\n  kind = \"http\"\n  target = %q\n  interval = \"1s\"\n  timeout = \"1s\"\n", i, target+"/bulk")
	}
	path := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func createZoneToken(t *testing.T, cfgPath, zone string) string {
	t.Helper()
	cmd := ampelCmd("token", "create", "--config", cfgPath, "--zone", zone, "--name", zone+"-agents")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, stderr.String())
	}
	tok := strings.TrimSpace(string(out))
	if !strings.HasPrefix(tok, "ampel_zone_") || len(tok) < len("ampel_zone_")+40 {
		t.Fatalf("token %q", tok)
	}
	path := filepath.Join(filepath.Dir(cfgPath), zone+".token")
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type agentProc struct {
	zone, spool string
	cmd         *exec.Cmd
	stderr      *syncBuffer
}

func startAgent(t *testing.T, base, zone, tokenFile, spoolDir string, flags ...string) *agentProc {
	t.Helper()
	a := &agentProc{zone: zone, spool: spoolDir, stderr: &syncBuffer{}}
	a.cmd = ampelCmd(append([]string{"agent", "--server", base, "--zone", zone, "--token-file", tokenFile,
		"--spool", spoolDir, "--pull-interval", "1s"}, flags...)...)
	a.cmd.Stderr = a.stderr
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.cmd.Process.Kill(); a.cmd.Wait() })
	return a
}

// readZoneMetrics reads /metrics, or "" if it cannot.
func readZoneMetrics(base string) string {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// lastChange returns the newest recorded change of a subject, read from
// the database while the server runs.
func lastChange(t *testing.T, dbPath string, kind status.Kind, subject, zone string) (status.Change, bool) {
	t.Helper()
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	changes, err := st.Changes(context.Background(), kind, subject, time.Unix(0, 0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for i := len(changes) - 1; i >= 0; i-- {
		if changes[i].Zone == zone {
			return changes[i], true
		}
	}
	return status.Change{}, false
}

// TestRemoteZonesQuorumStalenessAndKills runs a server and three agent
// processes: one failing zone is a partial outage naming it, two of three
// a major outage; a killed agent leaves its zone stale and the component
// operational; and after the server is killed and restarted while the
// agents probe on, every result each agent recorded is stored exactly
// once, with no gap in any agent's sequence.
func TestRemoteZonesQuorumStalenessAndKills(t *testing.T) {
	target := &zoneTarget{}
	ts := httptest.NewServer(target)
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	cfgPath := writeZonesConfig(t, dir, freePort(t), ts.URL)
	dbPath := filepath.Join(dir, "ampel.db")
	tokens := map[string]string{}
	for _, z := range []string{"z1", "z2", "z3"} {
		tokens[z] = createZoneToken(t, cfgPath, z)
	}
	server, base, serverErr := startAmpel(t, cfgPath)
	agents := map[string]*agentProc{}
	for _, z := range []string{"z2", "z3"} {
		agents[z] = startAgent(t, base, z, tokens[z], filepath.Join(dir, "spool-"+z))
	}
	z1Metrics := freePort(t)
	agents["z1"] = startAgent(t, base, "z1", tokens["z1"], filepath.Join(dir, "spool-z1"), "--metrics-listen", z1Metrics)
	api := func() string { return componentStatus(t, base, "api") }
	eventually(t, 15*time.Second, "api observed up from the agents", func() bool { return observedUp(t, base, "api") })
	// The quorum counts only zones with data: wait until all three report.
	for _, z := range []string{"z1", "z2", "z3"} {
		eventually(t, 10*time.Second, "api-health up in "+z, func() bool {
			c, ok := lastChange(t, dbPath, status.CheckZone, "api-health", z)
			return ok && c.To == status.Up
		})
	}

	target.fail("z1")
	eventually(t, 10*time.Second, "partial outage with z1 failing", func() bool { return api() == "partial_outage" })
	// The change commits within the writer's delay of being served.
	eventually(t, 5*time.Second, "the recorded cause names z1", func() bool {
		c, _ := lastChange(t, dbPath, status.Check, "api-health", "")
		return strings.Contains(c.Cause, "down in z1 (1 of 3 zones)")
	})
	target.fail("z1", "z2")
	eventually(t, 10*time.Second, "major outage with z1 and z2 failing", func() bool { return api() == "major_outage" })
	target.fail()
	eventually(t, 10*time.Second, "operational again", func() bool { return api() == "operational" })

	// An agent killed: its zone goes stale, the component stays up.
	agents["z3"].cmd.Process.Signal(syscall.SIGKILL)
	agents["z3"].cmd.Wait()
	eventually(t, 10*time.Second, "z3 stale", func() bool {
		c, ok := lastChange(t, dbPath, status.CheckZone, "api-health", "z3")
		return ok && c.To == status.NoData && strings.HasPrefix(c.Cause, "stale: no results from zone z3")
	})
	// Operators see it in /metrics, with what the agents report.
	eventually(t, 5*time.Second, "z3's checks stale in /metrics", func() bool {
		m := readZoneMetrics(base)
		return strings.Contains(m, fmt.Sprintf(`ampel_zone_checks{freshness="stale",zone="z3"} %d`, bulkChecks+1)) &&
			strings.Contains(m, `ampel_zone_checks{freshness="stale",zone="z1"} 0`) &&
			strings.Contains(m, "ampel_agent_spool_results{") && strings.Contains(m, "ampel_agent_clock_offset_seconds{")
	})
	// Observed up (not merely "no data", which Statuspage JSON cannot say).
	if s := api(); s != "operational" || !observedUp(t, base, "api") {
		t.Fatalf("with z3 stale the component is %s, want operational and observed up", s)
	}
	agents["z3"] = startAgent(t, base, "z3", tokens["z3"], filepath.Join(dir, "spool-z3"))
	eventually(t, 10*time.Second, "z3 fresh again", func() bool {
		c, ok := lastChange(t, dbPath, status.CheckZone, "api-health", "z3")
		return ok && c.To == status.Up
	})

	// The server killed while the agents probe on, then restarted, a few
	// times at different moments of the push cycle.
	for i := range 3 {
		time.Sleep(time.Duration(i) * 300 * time.Millisecond) // vary the moment of the kill, not a readiness wait
		server.Process.Signal(syscall.SIGKILL)
		server.Wait()
		waitSpooling(t, agents)
		if i == 0 {
			agentSelfMetrics(t, "http://"+z1Metrics)
		}
		server, base, serverErr = startAmpel(t, cfgPath)
		eventually(t, 15*time.Second, "api observed up after the restart", func() bool { return observedUp(t, base, "api") })
	}

	// Stop the agents: each pushes what it has left and exits 0.
	for _, a := range agents {
		a.cmd.Process.Signal(syscall.SIGTERM)
	}
	for z, a := range agents {
		if err := a.cmd.Wait(); err != nil {
			t.Fatalf("agent %s: %v\n%s", z, err, a.stderr.String())
		}
	}
	server.Process.Signal(syscall.SIGTERM)
	if err := server.Wait(); err != nil {
		t.Fatalf("server: %v\n%s", err, serverErr.String())
	}
	checkExactlyOnce(t, dbPath, agents)
}

// agentSelfMetrics checks what an agent serves about itself while its
// server is away: how late its runs started, and the results it holds.
func agentSelfMetrics(t *testing.T, base string) {
	t.Helper()
	m := readZoneMetrics(base)
	value := func(series string) float64 {
		v := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(m)
		if v == nil {
			t.Fatalf("agent metrics lack %s:\n%s", series, m)
		}
		f, err := strconv.ParseFloat(v[1], 64)
		if err != nil {
			t.Fatalf("%s: %v", series, err)
		}
		return f
	}
	// api-health every 2s and 20 checks every 1s, for several seconds.
	runs, onTime := value("ampel_scheduler_lag_seconds_count"), value(`ampel_scheduler_lag_seconds_bucket{le="1"}`)
	if runs < 50 || onTime == 0 {
		t.Errorf("agent metrics count %.0f runs (%.0f within 1s), want at least 50", runs, onTime)
	}
	if value("ampel_agent_spool_results") == 0 {
		t.Errorf("agent metrics show no spooled results while the server is down:\n%s", m)
	}
	if !strings.Contains(m, "ampel_agent_spool_dropped_results_total 0") {
		t.Errorf("agent metrics lack the dropped counter at 0:\n%s", m)
	}
}

// waitSpooling waits until every agent has spooled at least two results
// the dead server has not acknowledged, so each restart has something to
// deliver.
func waitSpooling(t *testing.T, agents map[string]*agentProc) {
	t.Helper()
	eventually(t, 10*time.Second, "agents spooling while the server is down", func() bool {
		for _, a := range agents {
			_, _, acked, _, err := spool.ReadState(a.spool)
			if err != nil {
				return false
			}
			if spooledAfter(a.spool, acked) < 2 {
				return false
			}
		}
		return true
	})
}

// spooledAfter counts the records in a spool's segments past acked.
func spooledAfter(dir string, acked int64) int {
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	n := 0
	for _, seg := range segs {
		b, err := os.ReadFile(seg)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			var seq int64
			if _, err := fmt.Sscan(line, &seq); err == nil && seq > acked {
				n++
			}
		}
	}
	return n
}

// checkExactlyOnce compares what each agent's spool says it produced and
// had acknowledged with the stored results and the server's record of
// the agent.
func checkExactlyOnce(t *testing.T, dbPath string, agents map[string]*agentProc) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	perZone := map[string]int64{}
	checks := []string{"api-health"}
	for i := range bulkChecks {
		checks = append(checks, fmt.Sprintf("bulk-%d", i))
	}
	for _, chk := range checks {
		results, err := st.Results(ctx, chk, time.Unix(0, 0), time.Now().Add(time.Hour), 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			perZone[r.Zone]++
		}
	}
	maxGap := int64(0)
	for z, a := range agents {
		id, last, acked, dropped, err := spool.ReadState(a.spool)
		if err != nil {
			t.Fatal(err)
		}
		if last == 0 || acked != last || dropped != 0 {
			t.Errorf("agent %s: produced %d, acknowledged %d, dropped %d", z, last, acked, dropped)
		}
		row, ok, err := st.Agent(ctx, id)
		if err != nil || !ok {
			t.Fatalf("agent %s (%s) unknown to the server: %v", z, id, err)
		}
		if row.AckedSeq != last || row.Gap != 0 || row.Rejected != 0 {
			t.Errorf("agent %s on the server: %+v, want acked %d, no gap, nothing rejected", z, row, last)
		}
		if perZone[z] != last {
			t.Errorf("zone %s: %d results stored, agent produced %d", z, perZone[z], last)
		}
		maxGap = max(maxGap, row.Gap, abs(perZone[z]-last))
		t.Logf("zone %s: agent produced %d results, %d stored, gap %d, resends ignored %d", z, last, perZone[z], row.Gap, row.Resent)
	}
	t.Logf("largest gap or duplicate count across agents: %d", maxGap)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
