// Command agentpush measures how many results per second one agent can
// push: it fills an agent's spool with results, starts a real "ampel
// serve" and a real "ampel agent" on that spool, and times until the
// server has acknowledged (committed) every one.
//
//	go run ./bench/agentpush -results 200000
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/agent"
	"github.com/ampelstatus/ampel/pkg/spool"
)

func main() {
	n := flag.Int("results", 200_000, "results to push")
	checks := flag.Int("checks", 100, "checks the results are spread over")
	flag.Parse()
	dir, err := os.MkdirTemp("", "agentpush")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "ampel")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/ampel").CombinedOutput(); err != nil {
		log.Fatalf("build: %v\n%s", err, out)
	}
	cfgPath := writeConfig(dir, *checks)
	out, err := exec.Command(bin, "token", "create", "--config", cfgPath, "--zone", "far", "--name", "bench").Output()
	if err != nil {
		log.Fatalf("token: %v", err)
	}
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, out, 0o600)
	spoolDir := filepath.Join(dir, "spool")
	fill(spoolDir, *n, *checks)

	serve := exec.Command(bin, "serve", "--config", cfgPath)
	stdout, _ := serve.StdoutPipe()
	serve.Stderr = io.Discard
	if err := serve.Start(); err != nil {
		log.Fatal(err)
	}
	defer serve.Process.Kill()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	base := strings.Fields(line[strings.Index(line, "http://"):])[0]

	start := time.Now()
	ag := exec.Command(bin, "agent", "--server", base, "--zone", "far", "--token-file", tokenFile, "--spool", spoolDir)
	ag.Stderr = io.Discard
	if err := ag.Start(); err != nil {
		log.Fatal(err)
	}
	defer ag.Process.Kill()
	for acked(base) < int64(*n) {
		time.Sleep(20 * time.Millisecond)
		if time.Since(start) > 10*time.Minute {
			log.Fatal("not all acknowledged in 10 minutes")
		}
	}
	took := time.Since(start)
	fmt.Printf("%d results pushed and committed in %.2fs: %.0f results/s (one agent, batches of 500)\n",
		*n, took.Seconds(), float64(*n)/took.Seconds())
}

func writeConfig(dir string, checks int) string {
	var b strings.Builder
	b.WriteString("[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"ampel.db\"\n")
	b.WriteString("[[zones]]\nname = \"far\"\nkind = \"remote\"\n[[components]]\nslug = \"bulk\"\nname = \"Bulk\"\n")
	for i := range checks {
		// A long interval: the agent's own probes barely add results.
		fmt.Fprintf(&b, "  [[components.checks]]\n  name = \"c%d\"\n  kind = \"tcp\"\n  target = \"127.0.0.1:9\"\n  interval = \"1h\"\n", i)
	}
	path := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		log.Fatal(err)
	}
	return path
}

// fill spools n results of the last hour, as a cut-off agent would have.
func fill(dir string, n, checks int) {
	sp, err := spool.Open(dir, spool.Options{MaxBytes: 1 << 30})
	if err != nil {
		log.Fatal(err)
	}
	defer sp.Close()
	t0 := time.Now().Add(-time.Hour)
	batch := make([][]byte, 0, 1000)
	for i := range n {
		r := agent.Result{Check: "c" + strconv.Itoa(i%checks), Start: t0.Add(time.Duration(i) * time.Millisecond).UTC(),
			DurationUS: 1200, Outcome: "up"}
		b, _ := json.Marshal(r)
		batch = append(batch, b)
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := sp.Append(batch...); err != nil {
				log.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

var ackedRE = regexp.MustCompile(`(?m)^ampel_agent_acked_sequence\{[^}]*\} (\S+)$`)

func acked(base string) int64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := ackedRE.FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return int64(v)
}
