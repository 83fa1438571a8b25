package mailer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/smtptest"
)

func startServer(t *testing.T) *smtptest.Server {
	t.Helper()
	srv, err := smtptest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func client(t *testing.T, srv *smtptest.Server, auth, secret string, timeout time.Duration) *SMTP {
	t.Helper()
	c, err := NewSMTP(&config.SMTP{Host: "127.0.0.1", Port: srv.Port(), TLS: "none", From: "status@example.com",
		Auth: auth, Username: smtptest.User, Password: config.Secret(secret), Timeout: config.Duration(timeout)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func msg(t *testing.T, to, id string) *mail.Msg {
	t.Helper()
	m := mail.NewMsg()
	if err := m.From("status@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := m.To(to); err != nil {
		t.Fatal(err)
	}
	m.Subject("Test")
	m.SetMessageIDWithValue(id)
	m.SetBodyString(mail.TypeTextPlain, "hello")
	return m
}

// TestSMTPAuthOneConnection sends several mails with PLAIN and with
// OAUTHBEARER through go-sasl, each over one connection.
func TestSMTPAuthOneConnection(t *testing.T) {
	for _, tc := range []struct{ auth, secret, mech string }{
		{"plain", smtptest.Password, "PLAIN"},
		{"oauthbearer", smtptest.Token, "OAUTHBEARER"},
	} {
		t.Run(tc.auth, func(t *testing.T) {
			srv := startServer(t)
			c := client(t, srv, tc.auth, tc.secret, 5*time.Second)
			for i := range 3 {
				if err := c.Send(context.Background(), msg(t, "a@example.org", "m"+string(rune('0'+i))+"@x")); err != nil {
					t.Fatal(err)
				}
			}
			got := srv.Messages()
			if len(got) != 3 || srv.Sessions() != 1 || got[0].Mech != tc.mech || got[0].To[0] != "a@example.org" {
				t.Fatalf("%d messages over %d sessions, first %+v", len(got), srv.Sessions(), got[0])
			}
		})
	}
}

// TestSMTPWrongToken: a refused login is an error, never a delivery.
func TestSMTPWrongToken(t *testing.T) {
	srv := startServer(t)
	c := client(t, srv, "oauthbearer", "wrong", 5*time.Second)
	err := c.Send(context.Background(), msg(t, "a@example.org", "x@x"))
	if err == nil || len(srv.Messages()) != 0 {
		t.Fatalf("send with a wrong token: %v, %d messages", err, len(srv.Messages()))
	}
}

// TestClassify sorts real server answers: a 5xx to one recipient is a
// bounce and leaves the connection usable; a 4xx is temporary; a stall
// times out (unreachable) and the next send reconnects.
func TestClassify(t *testing.T) {
	srv := startServer(t)
	c := client(t, srv, "plain", smtptest.Password, time.Second)
	ctx := context.Background()
	srv.Reject("gone@example.org", 550)
	if err := c.Send(ctx, msg(t, "gone@example.org", "1@x")); Classify(err) != Bounce {
		t.Fatalf("550 to RCPT: %v, class %d", err, Classify(err))
	}
	srv.Reject("busy@example.org", 451)
	if err := c.Send(ctx, msg(t, "busy@example.org", "2@x")); err == nil || Classify(err) != Temporary {
		t.Fatalf("451 to RCPT: %v", err)
	}
	srv.FailData(554)
	if err := c.Send(ctx, msg(t, "a@example.org", "3@x")); Classify(err) != Permanent {
		t.Fatalf("554 to DATA: %v, class %d", err, Classify(err))
	}
	srv.FailData(0)
	srv.Stall(true)
	if err := c.Send(ctx, msg(t, "a@example.org", "4@x")); err == nil || Classify(err) != Unreachable {
		t.Fatalf("stalled DATA: %v", err)
	}
	srv.Stall(false)
	if err := c.Send(ctx, msg(t, "a@example.org", "5@x")); err != nil {
		t.Fatalf("after the stall: %v", err)
	}
	if got := srv.Messages(); len(got) != 1 || srv.Sessions() < 2 {
		t.Fatalf("%d messages over %d sessions", len(got), srv.Sessions())
	}
}

// TestConnectionRefused is unreachable.
func TestConnectionRefused(t *testing.T) {
	srv := startServer(t)
	c := client(t, srv, "plain", smtptest.Password, time.Second)
	srv.Close()
	if err := c.Send(context.Background(), msg(t, "a@example.org", "1@x")); err == nil || Classify(err) != Unreachable {
		t.Fatalf("refused: %v", err)
	}
}

// TestDirReplaces writes mails as files named by Message-ID; sending one
// again replaces it, and no temporary file is left.
func TestDirReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox-mail")
	d, err := NewDir(path)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := d.Send(context.Background(), msg(t, "a@example.org", "incident.1.created.5/x@status.example")); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := os.ReadDir(path)
	if len(files) != 1 || files[0].Name() != "incident.1.created.5_x@status.example.eml" {
		t.Fatalf("files %v", files)
	}
	b, _ := os.ReadFile(filepath.Join(path, files[0].Name()))
	if !strings.Contains(string(b), "Subject: Test") || !strings.Contains(string(b), "hello") {
		t.Fatalf("eml:\n%s", b)
	}
}

// TestTokenFileReadAgain: an OAuth token renewed in its file is used on
// the next connection, without a restart.
func TestTokenFileReadAgain(t *testing.T) {
	srv := startServer(t)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("expired\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := NewSMTP(&config.SMTP{Host: "127.0.0.1", Port: srv.Port(), TLS: "none", From: "status@example.com",
		Auth: "oauthbearer", Username: smtptest.User, PasswordFile: file, Password: "expired",
		Timeout: config.Duration(5 * time.Second)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Send(context.Background(), msg(t, "a@example.org", "1@x")); err == nil {
		t.Fatal("sent with an expired token")
	}
	if err := os.WriteFile(file, []byte(smtptest.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(context.Background(), msg(t, "a@example.org", "2@x")); err != nil {
		t.Fatalf("after renewing the token: %v", err)
	}
}
