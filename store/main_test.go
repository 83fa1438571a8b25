package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ampelstatus/ampel/pkg/pgtest"
)

// passEnv tells the test binary which database its pass runs on.
const passEnv = "AMPEL_STORE_TEST_PASS"

// testDialect is the database openTest opens in this pass.
var testDialect = sqliteDialect

// oncePerRun are the tests that run only in the SQLite pass: SQLite's own
// features (files, pragmas, WAL, integrity checks, backups), and the tests
// that open both databases themselves.
var oncePerRun = []string{
	"TestOpenCreatesFolderAndPragmas", "TestOpenPathWithURICharacters",
	"TestMigrationsApplyOnceAndReopen", "TestMigrationStopsAtFailure",
	"TestOpenRefusesNewerSchema", "TestMigrationFilesAreNumbered",
	"TestOpenRefusesDamage", "TestOpenAcceptsSoundCopy", "TestVerifySnapshot", "TestOpenReadOnly",
	"TestSnapshot", "TestLock", "TestRestore", "TestIntegrity", "TestCommitMark",
	"TestOpenAutoIncidentUsesItsIndex", "TestFeedQueriesUseTimeIndexes", "TestPostgres", "TestSchemasMatch", "TestBothStores", "TestDollarParams", "TestCheckPostgresDSN", "TestListenOnSQLiteWaits",
}

// TestMain runs the whole suite twice: on SQLite in this process, then on
// PostgreSQL in a child process of the same test binary, with the same
// flags. Both passes share one throwaway PostgreSQL server.
func TestMain(m *testing.M) {
	if os.Getenv(passEnv) == "postgres" {
		testDialect = postgresDialect
		pgtest.Main(m)
		return
	}
	code := m.Run()
	if code == 0 || !flagSet("test.failfast") {
		code = max(code, runPostgresPass())
	}
	pgtest.StopShared()
	stopBenchPostgres()
	os.Exit(code)
}

// runPostgresPass runs this test binary again on PostgreSQL.
func runPostgresPass() int {
	admin, err := pgtest.AdminDSN()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var args []string
	skip := "^(" + strings.Join(oncePerRun, "|") + ")"
	for _, a := range os.Args[1:] {
		switch {
		case strings.HasPrefix(a, "-test.skip="):
			skip += "|" + strings.TrimPrefix(a, "-test.skip=")
			continue
		case strings.HasPrefix(a, "-test.bench="):
			// -test.skip does not hold benchmarks back: they run in the
			// first pass, each naming its database.
			continue
		case strings.HasPrefix(a, "-test.testlogfile="), strings.HasPrefix(a, "-test.coverprofile="),
			strings.HasPrefix(a, "-test.cpuprofile="), strings.HasPrefix(a, "-test.memprofile="),
			strings.HasPrefix(a, "-test.fuzz="):
			// Files of the first pass; a fuzz run is the first pass's.
			if strings.HasPrefix(a, "-test.fuzz=") {
				return 0
			}
			continue
		}
		args = append(args, a)
	}
	args = append(args, "-test.skip="+skip)
	fmt.Println("=== store: the same tests on PostgreSQL")
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), passEnv+"=postgres", pgtest.EnvDSN+"="+admin)
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func flagSet(name string) bool {
	for _, a := range os.Args[1:] {
		if a == "-"+name || a == "-"+name+"=true" {
			return true
		}
	}
	return false
}

// openTest opens a store on this pass's database, closed at cleanup: a
// fresh SQLite file in a temporary folder, or a fresh PostgreSQL database.
func openTest(t testing.TB) *Store {
	t.Helper()
	if testDialect == postgresDialect {
		return openPostgresTest(t)
	}
	return openSQLiteTest(t)
}

func openSQLiteTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "data", "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	closeAtCleanup(t, s)
	return s
}

func openPostgresTest(t testing.TB) *Store {
	t.Helper()
	s, err := OpenPostgres(context.Background(), pgtest.DBFrom(t, migratedTemplate(t), migrateTemplate), PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closeAtCleanup(t, s)
	return s
}

func closeAtCleanup(t testing.TB, s *Store) {
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
}

// migratedTemplate names the template database that holds this binary's
// PostgreSQL migrations, after a hash of them.
func migratedTemplate(t testing.TB) string {
	ms, err := migrations(postgresDialect)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, m := range ms {
		h.Write([]byte(m.sql))
	}
	return fmt.Sprintf("ampel_store_%x", h.Sum(nil)[:6])
}

func migrateTemplate(dsn string) error {
	s, err := OpenPostgres(context.Background(), dsn, PostgresOptions{})
	if err != nil {
		return err
	}
	return s.Close()
}
