package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/store"
)

// runCmd runs one ampel command in process with stdin.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUserAddPasswdDisable(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "http://127.0.0.1:1/")
	if code, _, stderr := runCmd(t, "correct horse battery\n", "user", "add", "--config", cfg, "--email", "Ops@Example.com", "--role", "admin"); code != 0 {
		t.Fatalf("add: %d %s", code, stderr)
	}
	cases := []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"correct horse battery\n", []string{"add", "--email", "ops@example.com", "--role", "admin"}, 1, "exists already"},
		{"short\n", []string{"add", "--email", "b@example.com", "--role", "operator"}, 1, "too short"},
		{"", []string{"add", "--email", "b@example.com", "--role", "operator"}, 1, "read password"},
		{"correct horse battery\n", []string{"add", "--email", "b@example.com", "--role", "root"}, 2, "want admin or operator"},
		{"correct horse battery\n", []string{"add", "--email", "b@example.com"}, 2, "Usage"},
		{"correct horse battery\n", []string{"add", "--email", "nobody", "--role", "admin"}, 2, "not an email"},
		{"correct horse battery\n", []string{"passwd", "--email", "nobody@example.com"}, 1, "no user"},
		{"", []string{"disable", "--email", "nobody@example.com"}, 1, "no user"},
		{"", []string{"rename", "--email", "nobody@example.com"}, 2, "Usage"},
	}
	for _, c := range cases {
		args := append([]string{"user", c.args[0], "--config", cfg}, c.args[1:]...)
		code, _, stderr := runCmd(t, c.stdin, args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}

	st, err := store.Open(context.Background(), filepath.Join(dir, "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	u, hash, err := st.UserByEmail(ctx, "ops@example.com")
	if err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("user %+v %v", u, err)
	}
	if err := auth.VerifyPassword(ctx, "correct horse battery", hash); err != nil {
		t.Fatalf("stored hash does not verify: %v (%s)", err, hash)
	}
	if n, _ := st.CountUsers(ctx); n != 1 {
		t.Fatalf("%d users after the failures, want 1", n)
	}

	// passwd takes the new password from stdin and logs sessions out.
	if _, err := st.CreateSession(ctx, u.ID, "s1", time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, "a new password here\r\n", "user", "passwd", "--config", cfg, "--email", "OPS@example.com"); code != 0 {
		t.Fatalf("passwd: %d %s", code, stderr)
	}
	_, hash, _ = st.UserByEmail(ctx, "ops@example.com")
	if err := auth.VerifyPassword(ctx, "a new password here", hash); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if _, err := st.SessionBySecret(ctx, "s1", time.Now(), 0); !errors.Is(err, store.ErrNoSession) {
		t.Fatalf("session survived passwd: %v", err)
	}
	if code, _, stderr := runCmd(t, "", "user", "disable", "--config", cfg, "--email", "ops@example.com"); code != 0 {
		t.Fatalf("disable: %d %s", code, stderr)
	}
	if u, _, _ := st.UserByEmail(ctx, "ops@example.com"); u.Disabled.IsZero() {
		t.Fatal("not disabled")
	}
	log, err := st.AuditLog(ctx, 0, 10)
	if err != nil || len(log) != 3 || log[0].Action != "user.create" || log[2].Action != "user.disable" ||
		!strings.HasPrefix(log[0].Actor.Name, "cli:") {
		t.Fatalf("audit %v %+v", err, log)
	}
}

func TestTokenCreateOperator(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "http://127.0.0.1:1/")
	code, out, stderr := runCmd(t, "", "token", "create", "--config", cfg, "--role", "operator", "--name", "deploy")
	if code != 0 {
		t.Fatalf("create: %d %s", code, stderr)
	}
	tok := strings.TrimSpace(out)
	if !strings.HasPrefix(tok, "ampel_op_") || len(tok) != len("ampel_op_")+43 {
		t.Fatalf("token %q", tok)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--role", "operator", "--name", "deploy"}, 1, "exists already"},
		{[]string{"--role", "root", "--name", "x"}, 2, "want operator or admin"},
		{[]string{"--role", "operator", "--zone", "eu", "--name", "x"}, 2, "exactly one of --zone, --role or --heartbeat"},
		{[]string{"--name", "x"}, 2, "exactly one of --zone, --role or --heartbeat"},
		{[]string{"--role", "operator", "--name", "Ampel"}, 2, "reserved"},
		{[]string{"--heartbeat", "api"}, 1, `no check "api" with kind = "heartbeat"`},
	} {
		args := append([]string{"token", "create", "--config", cfg}, c.args...)
		code, _, stderr := runCmd(t, "", args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.TokenBySecret(context.Background(), tok)
	if err != nil || got.Kind != store.TokenOperator || got.Role != store.RoleOperator || got.Name != "deploy" {
		t.Fatalf("stored token %+v %v", got, err)
	}
}

func TestServeHintsFirstAdminOnlyWithoutUsers(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	hintFirstAdmin(ctx, st, logger)
	if !strings.Contains(logs.String(), "ampel user add --config PATH --email ADDR --role admin") {
		t.Fatalf("no hint on a fresh install: %q", logs.String())
	}
	if _, err := st.CreateUser(ctx, "a@example.com", store.RoleAdmin, "h", cliActor(), time.Now()); err != nil {
		t.Fatal(err)
	}
	logs.Reset()
	hintFirstAdmin(ctx, st, logger)
	if logs.Len() != 0 {
		t.Fatalf("hint with an account: %q", logs.String())
	}
}
