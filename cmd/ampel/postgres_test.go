package main

import (
	"bytes"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pgPassword is put into the tests' DSNs (the test servers trust every
// password) so that the tests can see it is never shown.
const pgPassword = "pg-SECRET-password"

// usePostgres points the config at cfgPath, written by one of the
// fixtures with [storage] path = "ampel.db", at the PostgreSQL database
// dsn, through a DSN file next to it.
func usePostgres(t *testing.T, cfgPath, dsn string) {
	t.Helper()
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, set := u.User.Password(); !set {
			u.User = url.UserPassword(u.User.Username(), pgPassword)
			dsn = u.String()
		}
	}
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	const sqlite = "[storage]\npath = \"ampel.db\"\n"
	if !bytes.Contains(b, []byte(sqlite)) {
		t.Fatalf("%s has no %q to replace", cfgPath, sqlite)
	}
	b = bytes.Replace(b, []byte(sqlite), []byte("[storage]\ndriver = \"postgres\"\ndsn_file = \"pg.dsn\"\nmax_open_conns = 4\n"), 1)
	if err := os.WriteFile(filepath.Join(filepath.Dir(cfgPath), "pg.dsn"), []byte(dsn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
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
