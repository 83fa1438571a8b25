package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/smtptest"
	"github.com/ampelstatus/ampel/store"
)

// writeMailConfig writes a config sending over the test SMTP server with
// AUTH PLAIN, the password in a file, serving on listen with publicURL
// in the mails' links.
func writeMailConfig(t *testing.T, dir string, smtpPort int, target, listen, publicURL string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "smtp-password"), []byte(smtptest.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`
[site]
title = "Test Status"
public_url = %q

[server]
listen = %q
shutdown_timeout = "5s"

[storage]
path = "ampel.db"

[backup]
enabled = false

[smtp]
host = "127.0.0.1"
port = %d
tls = "none"
from = "Test Status <status@example.com>"
auth = "plain"
username = %q
password_file = "smtp-password"
timeout = "5s"

[[components]]
slug = "api"
name = "API"

  [[components.checks]]
  name = "api-health"
  kind = "http"
  target = %q
  interval = "1s"
  timeout = "1s"
`, publicURL, listen, smtpPort, smtptest.User, target)
	path := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// seedSubscribers puts n confirmed subscribers and an incident that
// notifies them all into the database at dbPath: 1,000 outbox rows
// written in the incident's transaction.
func seedSubscribers(t *testing.T, dbPath string, n int) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := tx.Exec(`INSERT INTO subscribers (email, created_at_ms, confirmed_at_ms) VALUES (?1, 0, 0)`,
			fmt.Sprintf("s%04d@example.org", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := st.CreateIncident(ctx, store.Incident{Name: "Outage", Status: "investigating", Impact: "none", Started: now},
		store.IncidentUpdate{Status: "investigating", Body: "Looking.", DeliverNotifications: true, At: now},
		store.Actor{Kind: store.ActorToken, ID: 1, Name: "test"}, now); err != nil {
		t.Fatal(err)
	}
}

// TestMailSurvivesSIGKILL kills a real ampel serve in the middle of
// sending 1,000 mails and starts it again: every (event, subscriber)
// pair arrives, at most the one in flight at the kill twice, and the
// address the server refuses is marked bounced.
func TestMailSurvivesSIGKILL(t *testing.T) {
	const n = 1000
	const bounced = "s0500@example.org"
	srv, err := smtptest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Reject(bounced, 550)
	srv.Delay(2 * time.Millisecond) // at least 2s of sending: time to kill
	target, _ := flipTarget(t)
	dir := t.TempDir()
	cfgPath := writeMailConfig(t, dir, srv.Port(), target.URL, "127.0.0.1:0", "https://status.example.com")
	dbPath := filepath.Join(dir, "ampel.db")
	seedSubscribers(t, dbPath, n)

	cmd, _, _ := startAmpel(t, cfgPath)
	if got := srv.Wait(n/3, 60*time.Second); len(got) < n/3 {
		t.Fatalf("only %d mails before the kill", len(got))
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	atKill := len(srv.Messages())
	if atKill >= n-1 {
		t.Fatalf("all %d mails were out before the kill: slow the server down", atKill)
	}

	_, _, stderr := startAmpel(t, cfgPath)
	db := readDB(t, dbPath)
	eventually(t, 120*time.Second, "every outbox row sent or failed", func() bool {
		var pending int
		err := db.QueryRow(`SELECT count(*) FROM outbox WHERE sent_at_ms IS NULL AND failed_at_ms IS NULL`).Scan(&pending)
		return err == nil && pending == 0
	})
	got := srv.Messages()
	pairs := map[string]int{}
	for _, m := range got {
		msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
		if err != nil {
			t.Fatal(err)
		}
		pairs[m.To[0]+" "+msg.Header.Get("Message-Id")]++
	}
	dups := len(got) - len(pairs)
	t.Logf("killed after %d of %d mails; after the restart %d distinct (event, subscriber) pairs delivered, %d duplicates", atKill, n-1, len(pairs), dups)
	if len(pairs) != n-1 {
		t.Fatalf("%d distinct pairs delivered, want %d\n%s", len(pairs), n-1, stderr.String())
	}
	if dups > 1 {
		t.Errorf("%d duplicates, want at most the one in flight", dups)
	}
	var state string
	if err := db.QueryRow(`SELECT CASE WHEN bounced_at_ms IS NOT NULL THEN 'bounced' ELSE 'other' END FROM subscribers WHERE email = ?1`, bounced).Scan(&state); err != nil || state != "bounced" {
		t.Errorf("refused address: %s, %v; want bounced", state, err)
	}
	var sent, failed int
	if err := db.QueryRow(`SELECT count(sent_at_ms), count(failed_at_ms) FROM outbox`).Scan(&sent, &failed); err != nil || sent != n-1 || failed != 1 {
		t.Errorf("outbox: %d sent, %d failed (%v); want %d and 1", sent, failed, err, n-1)
	}
}
