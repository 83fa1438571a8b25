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
	StopShared()
	os.Exit(code)
}

// StopShared stops and removes the process's shared server, if it
// started one. Main calls it; a TestMain that does more calls it itself.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv != nil {
		if err := shared.srv.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		shared.srv = nil
	}
}

// AdminDSN returns the DSN of a maintenance database on the shared server
// (AMPEL_TEST_PG_DSN's, or the process's own server, started on first
// use), for a TestMain that hands the server on to a child process.
func AdminDSN() (string, error) {
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
	return DBFrom(t, "", nil)
}

// templates remembers the template databases built in this process.
var templates sync.Map // name -> *templateOnce

type templateOnce struct {
	once sync.Once
	err  error
}

// DBFrom is DB for a database that starts as a copy of template: a
// database build fills once per process (say, by running migrations),
// which is then copied for every test, much faster than building each
// anew. Name the template after what build puts in it (a hash of the
// migrations), since a server from AMPEL_TEST_PG_DSN keeps it between
// runs. An empty template is DB.
func DBFrom(t testing.TB, template string, build func(dsn string) error) string {
	t.Helper()
	admin, err := AdminDSN()
	if err != nil {
		t.Fatal(err)
	}
	create := "CREATE DATABASE %s"
	if template != "" {
		v, _ := templates.LoadOrStore(template, &templateOnce{})
		to := v.(*templateOnce)
		to.once.Do(func() { to.err = buildTemplate(admin, template, build) })
		if to.err != nil {
			t.Fatalf("pgtest: template %s: %v", template, to.err)
		}
		create = "CREATE DATABASE %s TEMPLATE " + template
	}
	name := "t_" + randomHex()
	if err := runSQL(admin, fmt.Sprintf(create, name)); err != nil {
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

// buildTemplate makes the template database unless it exists already.
// build must close its connections: a database with sessions cannot be
// copied.
func buildTemplate(admin, name string, build func(dsn string) error) error {
	dsn, err := withDatabase(admin, name)
	if err != nil {
		return err
	}
	if runSQL(dsn, "SELECT 1") == nil {
		return nil
	}
	tmp := name + "_" + randomHex()
	if err := runSQL(admin, "CREATE DATABASE "+tmp); err != nil {
		return err
	}
	tdsn, err := withDatabase(admin, tmp)
	if err != nil {
		return err
	}
	if err := build(tdsn); err != nil {
		runSQL(admin, "DROP DATABASE IF EXISTS "+tmp+" WITH (FORCE)")
		return err
	}
	// Renamed when complete, so a half-built template is never copied.
	return runSQL(admin, "ALTER DATABASE "+tmp+" RENAME TO "+name)
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
