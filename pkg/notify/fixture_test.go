package notify

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/mailer"
	"github.com/ampelstatus/ampel/pkg/smtptest"
	"github.com/ampelstatus/ampel/store"
)

var t0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// clock is an injected clock tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const siteURL = "https://status.example.com"

// fixture is a store in a temporary folder, a second connection to put
// subscribers in directly, and an SMTP server on loopback.
type fixture struct {
	st  *store.Store
	db  *sql.DB
	srv *smtptest.Server
}

// install is the store's install id, part of every Message-ID.
func (f *fixture) install(t *testing.T) string {
	t.Helper()
	id, err := f.st.InstallID(context.Background())
	if err != nil || len(id) != 16 {
		t.Fatalf("install id %q, %v", id, err)
	}
	return id
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ampel.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000&_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv, err := smtptest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &fixture{st: st, db: db, srv: srv}
}

// subscriber inserts a confirmed subscriber; no comps means all.
func (f *fixture) subscriber(t *testing.T, email, lang string, comps ...string) int64 {
	t.Helper()
	var id int64
	err := f.db.QueryRow(`INSERT INTO subscribers (email, lang, all_components, created_at_ms, confirmed_at_ms)
VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id`, email, lang, len(comps) == 0, t0.UnixMilli()).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range comps {
		if _, err := f.db.Exec(`INSERT INTO subscriber_components (subscriber_id, component) VALUES (?1, ?2)`, id, c); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// smtpSender connects to the fixture's server with auth.
func (f *fixture) smtpSender(t *testing.T, auth, secret string, timeout time.Duration) *mailer.SMTP {
	t.Helper()
	s, err := mailer.NewSMTP(&config.SMTP{Host: "127.0.0.1", Port: f.srv.Port(), TLS: "none",
		From: "status@example.com", Auth: auth, Username: smtptest.User, Password: config.Secret(secret),
		Timeout: config.Duration(timeout)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func options(c *clock) Options {
	return Options{
		Site: Site{Title: "Example Status", URL: siteURL, Location: time.UTC,
			Components: map[string]string{"api": "Public API", "web": "Website"}},
		From: "Example Status <status@example.com>", Now: c.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// incident opens an incident on comps that notifies subscribers.
func (f *fixture) incident(t *testing.T, name string, at time.Time, comps ...string) store.Incident {
	t.Helper()
	cs := map[string]string{}
	for _, c := range comps {
		cs[c] = "major_outage"
	}
	inc, err := f.st.CreateIncident(context.Background(), store.Incident{Name: name, Status: "investigating",
		Impact: "critical", Components: cs, Started: at},
		store.IncidentUpdate{Status: "investigating", Body: "We are **looking** into it. <script>alert(1)</script>",
			Components: cs, DeliverNotifications: true, Author: "ops", At: at},
		store.Actor{Kind: store.ActorToken, ID: 1, Name: "ops"}, at)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// parsed is a received mail taken apart.
type parsed struct {
	header     mail.Header
	subject    string
	text, html string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{header: m.Header, subject: subj}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := r.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part)
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		}
	}
	if p.text == "" || p.html == "" {
		t.Fatalf("want a text and an HTML part:\n%s", raw)
	}
	return p
}

// byRecipient indexes received mails by their one recipient.
func byRecipient(t *testing.T, msgs []smtptest.Message) map[string][]parsed {
	t.Helper()
	out := map[string][]parsed{}
	for _, m := range msgs {
		out[m.To[0]] = append(out[m.To[0]], parse(t, m.Data))
	}
	return out
}
