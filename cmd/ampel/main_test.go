package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestMain lets the tests start this test binary as a real ampel process,
// and stops the PostgreSQL server the tests shared.
func TestMain(m *testing.M) {
	if os.Getenv("AMPEL_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	pgtest.Main(m)
}

// flipTarget is an HTTP target that answers 200 or, once told to fail, 503.
func flipTarget(t *testing.T) (*httptest.Server, *atomic.Bool) {
	t.Helper()
	var failing atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &failing
}

// readDB opens the SQLite database at path read-only beside a running
// server, until the test ends.
func readDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// writeConfig writes a config with one component "api" probing target
// every second, storing under dir.
func writeConfig(t *testing.T, dir, target string) string {
	t.Helper()
	cfg := fmt.Sprintf(`
[site]
title = "Test Status"
timezone = "Europe/Berlin"

[server]
listen = "127.0.0.1:0"
shutdown_timeout = "5s"

[storage]
path = "ampel.db"

[[zones]]
name = "local"
kind = "local"

[[components]]
slug = "api"
name = "API"
group = "Core"

  [[components.checks]]
  name = "api-health"
  kind = "http"
  target = %q
  interval = "1s"
  timeout = "1s"
  failures_to_down = 2
`, target)
	path := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// firstLine is a writer that hands over the first line written to it.
type firstLine struct {
	once sync.Once
	mu   sync.Mutex
	buf  bytes.Buffer
	line chan string
}

func newFirstLine() *firstLine { return &firstLine{line: make(chan string, 1)} }

func (f *firstLine) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf.Write(p)
	if l, _, ok := strings.Cut(f.buf.String(), "\n"); ok {
		f.once.Do(func() { f.line <- l })
	}
	return len(p), nil
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveInProcess runs "ampel serve --config cfgPath" through run() in this
// process and returns its base URL, and a stop that cancels it and fails
// the test unless it exits 0.
func serveInProcess(t *testing.T, cfgPath string) (base string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stdout, stderr := newFirstLine(), &syncBuffer{}
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, []string{"serve", "--config", cfgPath}, nil, stdout, stderr) }()
	select {
	case line := <-stdout.line:
		base = baseURL(t, line)
	case code := <-exit:
		t.Fatalf("serve exited %d before serving: %s", code, stderr.String())
	}
	return base, func() {
		t.Helper()
		cancel()
		if code := <-exit; code != 0 {
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		}
	}
}

// baseURL takes the URL from Ampel's "serving" line.
func baseURL(t *testing.T, line string) string {
	t.Helper()
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("no URL in %q", line)
	}
	return strings.Fields(line[i:])[0]
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		<-tick.C
	}
}

type componentsJSON struct {
	Page struct {
		Name     string `json:"name"`
		TimeZone string `json:"time_zone"`
	} `json:"page"`
	Components []struct {
		ID      string  `json:"id"`
		Name    string  `json:"name"`
		Status  string  `json:"status"`
		GroupID *string `json:"group_id"`
		Group   bool    `json:"group"`
	} `json:"components"`
}

// componentStatus reads /api/v2/components.json and returns the status of
// component id, or "" if it cannot.
func componentStatus(t *testing.T, base, id string) string {
	t.Helper()
	resp, err := http.Get(base + "/api/v2/components.json")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var body componentsJSON
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("components.json: %v", err)
	}
	for _, c := range body.Components {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

// observedUp reports whether /metrics says the component is up: unlike
// the Statuspage JSON, which has no word for "no data yet", the metrics
// tell an observed "up" apart from nothing observed.
func observedUp(t *testing.T, base, slug string) bool {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return false
	}
	return strings.Contains(string(body), fmt.Sprintf(`ampel_component_status{component=%q,status="up"} 1`, slug))
}

// componentTimeline returns the component's recorded levels in order.
func componentTimeline(t *testing.T, dbPath, slug string) []status.Change {
	t.Helper()
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	changes, err := st.Changes(context.Background(), status.Component, slug, time.Unix(0, 0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return changes
}

func levels(changes []status.Change) string {
	var parts []string
	for _, c := range changes {
		parts = append(parts, c.From.String()+">"+c.To.String())
	}
	return strings.Join(parts, " ")
}

// TestServeEndToEnd drives run() with a temp config and a target that
// turns from 200 to 503 and back.
func TestServeEndToEnd(t *testing.T) {
	target, failing := flipTarget(t)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, target.URL)

	base, stop := serveInProcess(t, cfgPath)

	eventually(t, 10*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })
	if got := componentStatus(t, base, "api"); got != "operational" {
		t.Fatalf("api is %q in components.json, want operational", got)
	}
	failing.Store(true)
	eventually(t, 10*time.Second, "api major_outage", func() bool { return componentStatus(t, base, "api") == "major_outage" })
	failing.Store(false)
	eventually(t, 10*time.Second, "api operational again", func() bool { return componentStatus(t, base, "api") == "operational" })

	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	stop()
	got := levels(componentTimeline(t, filepath.Join(dir, "ampel.db"), "api"))
	if want := "no_data>up up>down down>up up>no_data"; got != want {
		t.Fatalf("state_changes of api: %q, want %q", got, want)
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := writeConfig(t, dir, "http://127.0.0.1:1/")
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[server]\nlisten = \"127.0.0.1:0\"\n\n[[components]]\nslug = \"Bad Slug\"\nname = \"X\"\n  [[components.checks]]\n  name = \"c\"\n  kind = \"carrier-pigeon\"\n  target = \"x\"\n  intervall = \"1s\"\n"), 0o600)
	notPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	probeBad := filepath.Join(dir, "probe.toml")
	os.WriteFile(probeBad, []byte("[[components]]\nslug = \"api\"\nname = \"API\"\n  [[components.checks]]\n  name = \"api\"\n  kind = \"http\"\n  target = \"https://127.0.0.1:1/\"\n    [components.checks.http.tls]\n    ca_file = \"ca.pem\"\n"), 0o600)
	cases := []struct {
		name       string
		args       []string
		code       int
		out, err   string
		notInError string
	}{
		{name: "valid", args: []string{"check-config", "--config", good}, code: 0, out: "ok: 1 component, 1 check, 1 zone"},
		{name: "invalid lists problems with line and key", args: []string{"check-config", "--config", bad}, code: 1, err: "bad.toml:11: components[0].checks[0].intervall"},
		{name: "a setting only the probe can judge has its line too", args: []string{"check-config", "--config", probeBad}, code: 1, err: "probe.toml:9: components[0].checks[0].http.tls.ca_file: no PEM certificate"},
		{name: "missing file", args: []string{"check-config", "--config", filepath.Join(dir, "nope.toml")}, code: 1, err: "nope.toml"},
		{name: "no flag", args: []string{"check-config"}, code: 2, err: "--config PATH is required"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, err: "unknown command"},
		{name: "version", args: []string{"version"}, code: 0, out: "ampel "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), c.args, nil, &out, &errb)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, c.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), c.out) {
				t.Errorf("stdout %q, want it to contain %q", out.String(), c.out)
			}
			if !strings.Contains(errb.String(), c.err) {
				t.Errorf("stderr %q, want it to contain %q", errb.String(), c.err)
			}
			if strings.Contains(errb.String(), "goroutine ") || strings.Contains(errb.String(), "panic") {
				t.Errorf("stderr has a stack trace: %s", errb.String())
			}
		})
	}
}

func TestExampleConfigValidates(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"check-config", "--config", "../../config.example.toml"}, nil, &out, &errb); code != 0 {
		t.Fatalf("config.example.toml: exit %d: %s", code, errb.String())
	}
}
