package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable that points the tests at an
// existing server instead of one of their own: a DSN (URL or key/value)
// of a role that may CREATE DATABASE, e.g.
// postgres://ampel@127.0.0.1:5432/postgres?sslmode=disable.
const EnvDSN = "AMPEL_TEST_PG_DSN"

// shared is the server of this test process, started by the first DB call
// and stopped by Main.
var shared struct {
	mu  sync.Mutex
	srv *Server
	err error
}

// Main runs the tests and then stops the process's shared server. Call it
// from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	shared.mu.Lock()
	if shared.srv != nil {
		if err := shared.srv.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		shared.srv = nil
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// adminDSN returns the DSN of a maintenance database on the shared server:
// AMPEL_TEST_PG_DSN's, or the process's own server, started on first use.
func adminDSN() (string, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return dsn, nil
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = StartServer(Options{})
	}
	if shared.err != nil {
		return "", shared.err
	}
	return shared.srv.DSN("postgres"), nil
}

// DB creates a fresh, empty database on the shared server and returns its
// DSN; the database is dropped when the test ends. It fails the test when
// PostgreSQL is missing or will not start.
func DB(t testing.TB) string {
	t.Helper()
	admin, err := adminDSN()
	if err != nil {
		t.Fatal(err)
	}
	name := "t_" + randomHex()
	if err := runSQL(admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends sessions a test left open.
		if err := runSQL(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// NewServer starts a server of the test's own (for tests that stop it, or
// need fsync), closed when the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := StartServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return s
}

// CreateDB creates an empty database on s and returns its DSN.
func (s *Server) CreateDB(name string) (string, error) {
	if err := runSQL(s.DSN("postgres"), "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return s.DSN(name), nil
}

// runSQL runs one statement on the database at dsn.
func runSQL(dsn, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// withDatabase returns dsn with its database replaced by name.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("pgtest: %s: %w", EnvDSN, err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// In a key/value DSN the last of a repeated key wins.
	return dsn + " dbname=" + name, nil
}

func randomHex() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
