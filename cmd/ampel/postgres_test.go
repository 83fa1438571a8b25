package main

import (
	"bytes"
	"context"
	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/smtptest"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pgPassword is put into the tests' DSNs (the test servers trust every
// password) so that the tests can see it is never shown.
const pgPassword = "pg-SECRET-password"

// usePostgres points the config at cfgPath, written by one of the
// fixtures with [storage] path = "ampel.db", at the PostgreSQL database
// dsn, through a DSN file next to it.
func usePostgres(t *testing.T, cfgPath, dsn string) {
	t.Helper()
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	const sqlite = "[storage]\npath = \"ampel.db\"\n"
	if !bytes.Contains(b, []byte(sqlite)) {
		t.Fatalf("%s has no %q to replace", cfgPath, sqlite)
	}
	b = bytes.Replace(b, []byte(sqlite), []byte("[storage]\ndriver = \"postgres\"\ndsn_file = \"pg.dsn\"\nmax_open_conns = 4\n"), 1)
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	writeDSN(t, cfgPath, dsn)
}

// writeDSN writes the DSN file of a config usePostgres wrote, with
// pgPassword in it.
func writeDSN(t *testing.T, cfgPath, dsn string) {
	t.Helper()
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, set := u.User.Password(); !set {
			u.User = url.UserPassword(u.User.Username(), pgPassword)
			dsn = u.String()
		}
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(cfgPath), "pg.dsn"), []byte(dsn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// openPG opens the history at dsn for a test to read.
func openPG(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.OpenPostgres(context.Background(), dsn, store.PostgresOptions{MaxReadConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// consoleLogin signs in to the console as a browser would and returns the
// session cookie. The console's cookies are __Host- ones (Secure), which
// a cookie jar keeps off plain http, so they are carried by hand.
func consoleLogin(t *testing.T, base, email, password string) *http.Cookie {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp := do(t, noRedirect, "GET", base+"/admin/login", "", nil)
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no form token on the login page:\n%s", body)
	}
	form := url.Values{"csrf": {string(m[1])}, "email": {email}, "password": {password}}
	req, _ := http.NewRequest("POST", base+"/admin/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "session") && c.Value != "" {
			return c
		}
	}
	t.Fatalf("login: %d without a session cookie", resp.StatusCode)
	return nil
}

// get fetches a page, with cookies, and returns its status and body.
func get(t *testing.T, u string, cookies ...*http.Cookie) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// noSQLiteFiles fails the test if anything under dir is a SQLite
// database or one of its companions (-wal, -shm, lock file), by name or
// by content.
func noSQLiteFiles(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		for _, suffix := range []string{".db", "-wal", "-shm", "-journal", ".lock"} {
			if strings.HasSuffix(name, suffix) {
				t.Errorf("SQLite file %s with driver = \"postgres\"", path)
			}
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		head := make([]byte, 16)
		if n, _ := io.ReadFull(f, head); n == 16 && string(head) == "SQLite format 3\x00" {
			t.Errorf("%s is a SQLite database", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPostgresConfigMistakes: check-config judges the DSN's shape without
// connecting and never shows it; backup and restore send PostgreSQL's
// users to PostgreSQL's tools.
func TestPostgresConfigMistakes(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, "http://127.0.0.1:1/")
	// Nothing listens on this address: check-config must not connect.
	usePostgres(t, cfgPath, "postgres://ampel:"+pgPassword+"@"+freeAddr(t)+"/ampel?sslmode=disable")
	if code, out, errb := runCmd(t, "", "check-config", "--config", cfgPath); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("check-config of a good DSN: %d %s %s", code, out, errb)
	}
	for _, cmd := range [][]string{{"backup", "--out", filepath.Join(dir, "x.db")}, {"restore", "--from", filepath.Join(dir, "x.db")}} {
		code, _, errb := runCmd(t, "", append([]string{cmd[0], "--config", cfgPath}, cmd[1:]...)...)
		if code != 1 || !strings.Contains(errb, "the history is on PostgreSQL") || !strings.Contains(errb, "pg_dump") || !strings.Contains(errb, "docs/operations.md") {
			t.Errorf("%s with driver = postgres: %d %s", cmd[0], code, errb)
		}
	}
	noSQLiteFiles(t, dir)

	for _, dsn := range []string{
		"postgres://ampel:" + pgPassword + "@db.example.com:notaport/ampel",
		"host=db.example.com password=" + pgPassword + " sslmode=sometimes",
		"this is not a DSN " + pgPassword,
	} {
		os.WriteFile(filepath.Join(dir, "pg.dsn"), []byte(dsn), 0o600)
		code, _, errb := runCmd(t, "", "check-config", "--config", cfgPath)
		if code != 1 || !strings.Contains(errb, "ampel.toml:") || !strings.Contains(errb, "storage.dsn_file: invalid PostgreSQL DSN") {
			t.Errorf("check-config of %q: %d %s", dsn, code, errb)
		}
		if strings.Contains(errb, pgPassword) {
			t.Errorf("check-config shows the password: %s", errb)
		}
	}
}

// TestServeOnPostgres runs the whole product on PostgreSQL in a real
// ampel serve process: the CLI's user and tokens, local probes of a
// target that goes 200 → 503 → 200, an agent pushing for a remote zone,
// the public pages, a console login, the operator API, a subscriber's
// confirmation mail over SMTP; then a clean stop, the history read back
// from PostgreSQL, and no SQLite file anywhere.
func TestServeOnPostgres(t *testing.T) {
	dsn := pgtest.DB(t)
	mail, err := smtptest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	target, failing := flipTarget(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	cfgPath := writeMailConfig(t, dir, mail.Port(), target.URL, addr, base)
	usePostgres(t, cfgPath, dsn)
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n[[zones]]\nname = \"local\"\nkind = \"local\"\n\n[[zones]]\nname = \"edge\"\nkind = \"remote\"\n")
	f.Close()

	if code, out, errb := runCmd(t, "", "check-config", "--config", cfgPath); code != 0 {
		t.Fatalf("check-config: %d %s %s", code, out, errb)
	}
	if code, _, errb := runCmd(t, "correct horse battery\n", "user", "add", "--config", cfgPath, "--email", "ops@example.com", "--role", "admin"); code != 0 {
		t.Fatalf("user add: %s", errb)
	}
	code, out, errb := runCmd(t, "", "token", "create", "--config", cfgPath, "--name", "e2e", "--role", "operator")
	if code != 0 {
		t.Fatalf("token create: %s", errb)
	}
	apiToken := strings.TrimSpace(out)
	edgeToken := createZoneToken(t, cfgPath, "edge")

	cmd, got, logs := startAmpel(t, cfgPath)
	if got != base {
		t.Fatalf("serving on %s, want %s", got, base)
	}
	startAgent(t, base, "edge", edgeToken, filepath.Join(t.TempDir(), "spool"))

	eventually(t, 15*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })
	eventually(t, 15*time.Second, "the agent's results for zone edge", func() bool {
		return strings.Contains(readZoneMetrics(base), `ampel_zone_checks{freshness="fresh",zone="edge"} 1`)
	})
	failing.Store(true)
	eventually(t, 15*time.Second, "api major_outage", func() bool { return componentStatus(t, base, "api") == "major_outage" })
	failing.Store(false)
	eventually(t, 15*time.Second, "api operational again", func() bool { return componentStatus(t, base, "api") == "operational" })

	for _, page := range []string{"/", "/components/api", "/history", "/availability", "/api/v2/summary.json", "/healthz"} {
		if code, body := get(t, base+page); code != 200 || (page == "/" && !strings.Contains(body, "Test Status")) {
			t.Errorf("GET %s: %d", page, code)
		}
	}
	session := consoleLogin(t, base, "ops@example.com", "correct horse battery")
	if code, body := get(t, base+"/admin", session); code != 200 || !strings.Contains(body, "The history is on PostgreSQL") {
		t.Errorf("console dashboard: %d\n%s", code, body)
	}

	postIncident(t, base, apiToken, `{"name": "Database migration", "status": "investigating", "body": "Moving house."}`)
	if code, body := get(t, base+"/api/v2/incidents/unresolved.json"); code != 200 || !strings.Contains(body, "Database migration") {
		t.Errorf("unresolved incidents: %d %s", code, body)
	}
	subscribe(t, base, "pg@example.org")
	if msgs := mail.Wait(1, 20*time.Second); len(msgs) != 1 || msgs[0].To[0] != "pg@example.org" {
		t.Fatalf("confirmation mail: %d mails\n%s", len(msgs), logs.String())
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	if strings.Contains(logs.String(), pgPassword) {
		t.Errorf("the log shows the DSN's password")
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("error logged: %s", line)
		}
	}
	noSQLiteFiles(t, dir)

	st := openPG(t, dsn)
	changes, err := st.Changes(context.Background(), status.Component, "api", time.Unix(0, 0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Two zones see the target fail one after the other: partial on the
	// way down and up again.
	if got := levels(changes); !strings.HasPrefix(got, "no_data>up ") || !strings.Contains(got, ">down down>") || !strings.HasSuffix(got, " up>no_data") {
		t.Fatalf("state_changes of api on PostgreSQL: %q, want up, down, up again and the stop", got)
	}
}

// TestServeSaysWhyPostgresFails: serve, given a database it cannot use,
// exits 1 saying why, and without the password.
func TestServeSaysWhyPostgresFails(t *testing.T) {
	good := pgtest.DB(t)
	u, err := url.Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(u *url.URL)) string {
		c := *u
		f(&c)
		return c.String()
	}
	cases := []struct{ name, dsn, want string }{
		{"unreachable", with(func(u *url.URL) { u.Host = freeAddr(t) }), "the server cannot be reached"},
		{"unknown role", with(func(u *url.URL) { u.User = url.UserPassword("nobody", pgPassword) }), "the server refused the role or its password"},
		{"missing database", with(func(u *url.URL) { u.Path = "/no_such_db" }), "the database does not exist: create it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfgPath := writeConfig(t, dir, "http://127.0.0.1:1/")
			usePostgres(t, cfgPath, c.dsn)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, errb syncBuffer
			code := run(ctx, []string{"serve", "--config", cfgPath}, nil, &out, &errb)
			logs := errb.String()
			if code != 1 || !strings.Contains(logs, "storage.dsn_file") || !strings.Contains(logs, c.want) {
				t.Errorf("serve: exit %d, want 1 and %q:\n%s", code, c.want, logs)
			}
			if strings.Contains(logs, pgPassword) {
				t.Errorf("serve shows the password:\n%s", logs)
			}
			noSQLiteFiles(t, dir)
		})
	}
}
