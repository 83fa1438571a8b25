// Command mailbench measures one incident update sent to many
// subscribers: the time to enqueue the outbox rows (in the update's own
// transaction), the send rate over one SMTP connection to an in-process
// go-smtp server with AUTH PLAIN, and memory. The server keeps only the
// headers of what it accepts, so memory is mostly the sender's.
//
//	go run ./bench/mailbench -subscribers 100000
//
// The database lives in a fresh folder under -dir (default: the system
// temp folder), with the same pragmas as ampel serve. The SMTP server
// runs in this process, so peak RSS counts both sides (the server's
// headers come to about 1 KiB per mail).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/mailer"
	"github.com/ampelstatus/ampel/pkg/notify"
	"github.com/ampelstatus/ampel/pkg/smtptest"
	"github.com/ampelstatus/ampel/store"
)

func main() {
	n := flag.Int("subscribers", 100000, "confirmed subscribers")
	dir := flag.String("dir", os.TempDir(), "folder for the temporary database")
	batch := flag.Int("batch", 100, "rows the dispatcher claims at once")
	flag.Parse()
	if err := run(*dir, *n, *batch); err != nil {
		log.Fatal(err)
	}
}

func run(parent string, n, batch int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp(parent, "ampel-mailbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ampel.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := seed(path, n); err != nil {
		return err
	}
	srv, err := smtptest.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.KeepHeadersOnly()

	began := time.Now()
	now := time.Now()
	if _, err := st.CreateIncident(ctx, store.Incident{Name: "API errors", Status: "investigating", Impact: "major",
		Components: map[string]string{"api": "partial_outage"}, Started: now},
		store.IncidentUpdate{Status: "investigating", Body: "We are **looking** into elevated error rates.",
			Components: map[string]string{"api": "partial_outage"}, DeliverNotifications: true, At: now},
		store.Actor{Kind: store.ActorToken, ID: 1, Name: "bench"}, now); err != nil {
		return err
	}
	fmt.Printf("enqueue: %d outbox rows in the incident's transaction: %v\n", n, time.Since(began).Round(time.Millisecond))

	sender, err := mailer.NewSMTP(&config.SMTP{Host: "127.0.0.1", Port: srv.Port(), TLS: "none", From: "status@example.com",
		Auth: "plain", Username: smtptest.User, Password: smtptest.Password, Timeout: config.Duration(30 * time.Second)}, nil)
	if err != nil {
		return err
	}
	defer sender.Close()
	d := notify.New(st, sender, notify.Options{
		Site: notify.Site{Title: "Bench Status", URL: "https://status.example.com", Location: time.UTC}, From: "Bench Status <status@example.com>",
		Batch: batch, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	began = time.Now()
	sent, err := d.RunOnce(ctx)
	took := time.Since(began)
	runtime.ReadMemStats(&after)
	if err != nil {
		return err
	}
	if got := len(srv.Messages()); got != n || sent != n {
		return fmt.Errorf("sent %d, server accepted %d, want %d", sent, got, n)
	}
	fmt.Printf("send: %d mails over %d SMTP session(s) in %v: %.0f mails/s\n", n, srv.Sessions(), took.Round(time.Millisecond), float64(n)/took.Seconds())
	fmt.Printf("memory: peak RSS %s (sender and in-process server), Go allocations %.1f KiB per mail (both sides), heap in use after %.1f MiB\n",
		peakRSS(), float64(after.TotalAlloc-before.TotalAlloc)/float64(n)/1024, float64(after.HeapInuse)/(1<<20))
	fi, err := os.Stat(path + "-wal")
	if err == nil {
		fmt.Printf("database: WAL %.1f MiB after the run\n", float64(fi.Size())/(1<<20))
	}
	return nil
}

// seed inserts n confirmed subscribers of every component in one
// transaction, on a connection of its own.
func seed(path string, n int) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.Prepare(`INSERT INTO subscribers (email, lang, created_at_ms, confirmed_at_ms) VALUES (?1, ?2, 0, 0)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range n {
		lang := "en"
		if i%4 == 0 {
			lang = "de"
		}
		if _, err := stmt.Exec(fmt.Sprintf("subscriber%06d@example.org", i), lang); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// peakRSS reads VmHWM from /proc/self/status.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
