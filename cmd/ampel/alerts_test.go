package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/alert"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/probes"
	"github.com/ampelstatus/ampel/store"
)

// hookReceiver is a real HTTP receiver of alerts: it records each
// request's webhook-id (or body) and the time it arrived, and answers
// with the codes in answers, one per request (the last repeats).
type hookReceiver struct {
	*httptest.Server
	delay time.Duration

	mu      sync.Mutex
	ids     []string
	bodies  []string
	arrived []time.Time
	answers []int
}

func startHookReceiver(t *testing.T, delay time.Duration, answers ...int) *hookReceiver {
	t.Helper()
	h := &hookReceiver{delay: delay, answers: answers}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		time.Sleep(h.delay) // a slow receiver: the kill lands mid-delivery
		h.mu.Lock()
		h.ids = append(h.ids, r.Header.Get("webhook-id"))
		h.bodies = append(h.bodies, string(body))
		h.arrived = append(h.arrived, time.Now())
		code := http.StatusOK
		if n := len(h.answers); n > 0 {
			code = h.answers[min(len(h.ids), n)-1]
		}
		h.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) got() (ids, bodies []string, arrived []time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.ids...), append([]string(nil), h.bodies...), append([]time.Time(nil), h.arrived...)
}

// writeAlertsConfig writes a config with one component probed at target
// and the given [alerts] tables; channels may reach loopback.
func writeAlertsConfig(t *testing.T, dir, target, alerts string) string {
	t.Helper()
	cfg := fmt.Sprintf(`
[site]
title = "Alert Test"
public_url = "https://status.example.com"

[server]
listen = "127.0.0.1:0"
shutdown_timeout = "5s"

[storage]
path = "ampel.db"

[backup]
enabled = false

[[components]]
slug = "api"
name = "API"

  [[components.checks]]
  name = "api-health"
  kind = "http"
  target = %q
  interval = "1s"
  timeout = "1s"
  failures_to_down = 1

[alerts]
allow_networks = ["127.0.0.1/32"]
%s`, target, alerts)
	path := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeSecret(t *testing.T, dir, name, value string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// seedAlerts stores n changes of checks in zone local through a writer
// routing by the config's rules: n alerts queued in the changes'
// transactions.
func seedAlerts(t *testing.T, cfgPath string, n int) {
	t.Helper()
	cfg, err := config.Load(cfgPath, probes.KindNames())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(filepath.Dir(cfgPath), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := st.StartWriter(store.WriterOptions{Alerts: alert.Router(cfg)})
	now := time.Now()
	changes := make([]status.Change, n)
	for i := range changes {
		changes[i] = status.Change{Kind: status.CheckZone, Subject: fmt.Sprintf("seed-%04d", i), Zone: "local",
			At: now, From: status.Up, To: status.Down, Cause: "HTTP 503"}
	}
	w.Write(nil, changes)
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if p, err := st.PendingAlerts(ctx); err != nil || p != int64(n) {
		t.Fatalf("%d alerts queued (%v), want %d", p, err, n)
	}
}

// TestAlertsSurviveSIGKILL kills a real ampel serve while it delivers 300
// webhook alerts to a slow receiver and starts it again: every alert
// arrives, at most the one in flight at the kill twice.
func TestAlertsSurviveSIGKILL(t *testing.T) {
	const n = 300
	rcv := startHookReceiver(t, 5*time.Millisecond)
	target, _ := flipTarget(t)
	dir := t.TempDir()
	writeSecret(t, dir, "whsec", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=")
	cfgPath := writeAlertsConfig(t, dir, target.URL, fmt.Sprintf(`
[[alerts.channels]]
name = "hook"
kind = "webhook"
url = %q
secret_file = "whsec"

[[alerts.rules]]
zones = ["local"]
levels = ["down"]
`, rcv.URL))
	seedAlerts(t, cfgPath, n)

	cmd, _, _ := startAmpel(t, cfgPath)
	eventually(t, 60*time.Second, "a third of the alerts delivered", func() bool {
		ids, _, _ := rcv.got()
		return len(ids) >= n/3
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	atKill, _, _ := rcv.got()
	if len(atKill) >= n {
		t.Fatalf("all %d alerts were out before the kill: slow the receiver down", len(atKill))
	}

	_, _, stderr := startAmpel(t, cfgPath)
	db := readDB(t, filepath.Join(dir, "ampel.db"))
	eventually(t, 120*time.Second, "every alert sent", func() bool {
		var pending int
		err := db.QueryRow(`SELECT count(*) FROM alert_outbox WHERE sent_at_ms IS NULL AND failed_at_ms IS NULL AND cancelled_at_ms IS NULL`).Scan(&pending)
		return err == nil && pending == 0
	})
	ids, _, _ := rcv.got()
	distinct := map[string]int{}
	for _, id := range ids {
		distinct[id]++
	}
	dups := len(ids) - len(distinct)
	t.Logf("killed after %d of %d alerts; after the restart %d distinct delivered, %d duplicates", len(atKill), n, len(distinct), dups)
	if len(distinct) != n {
		t.Fatalf("%d distinct alerts delivered, want %d\n%s", len(distinct), n, stderr.String())
	}
	if dups > 1 {
		t.Errorf("%d duplicates, want at most the one in flight at the kill", dups)
	}
}

// TestAlertsEndToEnd: a real serve probing a target that fails alerts a
// webhook that answers 503 once (retried, then delivered) and a Slack
// channel that answers 404 (failed at once, not retried, and no resolve
// follows an alert the receiver refused); when the target recovers the
// webhook gets the resolve. The record of attempts shows each.
func TestAlertsEndToEnd(t *testing.T) {
	hook := startHookReceiver(t, 0, 503, 200)
	slack := startHookReceiver(t, 0, 404)
	target, failing := flipTarget(t)
	dir := t.TempDir()
	writeSecret(t, dir, "whsec", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=")
	writeSecret(t, dir, "slack-url", slack.URL+"/services/T/B/x")
	cfgPath := writeAlertsConfig(t, dir, target.URL, fmt.Sprintf(`group_window = "0s"

[[alerts.channels]]
name = "hook"
kind = "webhook"
url = %q
secret_file = "whsec"

[[alerts.channels]]
name = "chat"
kind = "slack"
url_file = "slack-url"
`, hook.URL))
	startAmpel(t, cfgPath)
	failing.Store(true)
	eventually(t, 60*time.Second, "the alert retried and delivered", func() bool {
		ids, _, _ := hook.got()
		return len(ids) >= 2
	})
	failing.Store(false)
	eventually(t, 60*time.Second, "the resolve delivered", func() bool {
		ids, _, _ := hook.got()
		return len(ids) >= 3
	})
	ids, bodies, _ := hook.got()
	if ids[0] != ids[1] || ids[2] == ids[1] {
		t.Errorf("webhook-ids %q: the retry must repeat the first, the resolve differ", ids)
	}
	var types []string
	for _, b := range bodies {
		var p struct{ Type string }
		if err := json.Unmarshal([]byte(b), &p); err != nil {
			t.Fatal(err)
		}
		types = append(types, p.Type)
	}
	if strings.Join(types, ",") != "alert.triggered,alert.triggered,alert.resolved" {
		t.Errorf("types = %q", types)
	}
	sids, _, _ := slack.got()
	if len(sids) != 1 {
		t.Errorf("slack answered 404 and was tried %d times, want once (a 4xx is not retried)", len(sids))
	}
	db := readDB(t, filepath.Join(dir, "ampel.db"))
	var codes string
	if err := db.QueryRow(`SELECT group_concat(channel || ' ' || outcome || ' ' || status_code, ', ') FROM (SELECT * FROM alert_attempts ORDER BY id)`).Scan(&codes); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hook retry 503", "hook delivered 200", "chat failed 404"} {
		if !strings.Contains(codes, want) {
			t.Errorf("attempts %q lack %q", codes, want)
		}
	}
}
