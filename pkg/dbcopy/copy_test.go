package dbcopy_test

import (
	"context"
	"database/sql"
	_ "github.com/mattn/go-sqlite3"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/dbcopy"
	"github.com/ampelstatus/ampel/pkg/demo"
	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var kinds = []string{"dns", "http", "metrics", "tcp", "tls"}

// demoHistory writes the demo's last days of history into a SQLite
// file in dir (the whole year is cmd/ampel's TestMigrateDB) and returns
// the store and its config.
func demoHistory(t testing.TB, dir string, now time.Time, days int) (*store.Store, *config.Config) {
	t.Helper()
	ctx := context.Background()
	s := demo.NewScenario(now)
	targets, err := demo.StartTargets(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { targets.Close() })
	cfg, err := demo.Config(dir, "127.0.0.1:0", targets, kinds)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, cfg.Storage.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := st.StartWriter(store.WriterOptions{MaxBatch: 5000})
	demo.Backfill(state.New(cfg), w, cfg, s, now.AddDate(0, 0, -days), now)
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.BuildRollups(ctx, cfg.Location, now); err != nil {
		t.Fatal(err)
	}
	return st, cfg
}

func target(cfg *config.Config) dbcopy.Target {
	return func(string) availability.Target {
		return availability.Target{SLO: cfg.Site.SLO, Weight: cfg.Availability.PartialWeight}
	}
}

// destination is an empty store a test copies into, with a plain
// connection to its database to tamper with the copy.
type destination struct {
	name string
	open func(t *testing.T, dir string) (*store.Store, *sql.DB)
}

var destinations = []destination{
	{"sqlite", func(t *testing.T, dir string) (*store.Store, *sql.DB) {
		path := filepath.Join(dir, "copy.db")
		return openStore(t, func() (*store.Store, error) { return store.Open(context.Background(), path) }), rawDB(t, "sqlite3", path)
	}},
	{"postgres", func(t *testing.T, dir string) (*store.Store, *sql.DB) {
		dsn := pgtest.DB(t)
		return openStore(t, func() (*store.Store, error) {
			return store.OpenPostgres(context.Background(), dsn, store.PostgresOptions{})
		}), rawDB(t, "pgx", dsn)
	}},
}

func openStore(t *testing.T, open func() (*store.Store, error)) *store.Store {
	t.Helper()
	st, err := open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func rawDB(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestCopyVerifyRefuse copies the demo's last 10 days into SQLite and
// into PostgreSQL, verifies the copy, refuses to copy into the now full
// destination, and catches a copy that lost a state change.
func TestCopyVerifyRefuse(t *testing.T) {
	now := time.Now()
	src, cfg := demoHistory(t, t.TempDir(), now, 10)
	// The alert outbox and the console's silences move with the history.
	ctx := context.Background()
	if err := src.SilenceComponent(ctx, "api", now.Add(time.Hour), store.Actor{Kind: "cli", Name: "ops@example.com"}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := src.EnqueueOperatorAlert(ctx, []string{"oncall"}, "backups", "the last snapshot failed", true, now); err != nil {
		t.Fatal(err)
	}
	for _, d := range destinations {
		t.Run(d.name, func(t *testing.T) {
			dst, raw := d.open(t, t.TempDir())
			copyVerifyRefuse(t, dst, raw, src, cfg, now)
		})
	}
}

func copyVerifyRefuse(t *testing.T, dst *store.Store, raw *sql.DB, src *store.Store, cfg *config.Config, now time.Time) {
	ctx := context.Background()
	var lines []dbcopy.Progress
	sum, err := dbcopy.Copy(ctx, dst, src, dbcopy.Options{Chunk: 1000, Progress: func(p dbcopy.Progress) { lines = append(lines, p) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("copied %d rows in %s (%.0f rows/s)", sum.Rows, sum.Took, sum.Rate())
	if sum.Tables != len(store.Tables()) || sum.Rows < 1000 {
		t.Fatalf("summary %+v", sum)
	}
	chunks := 0
	for _, p := range lines {
		if p.Table == "results" && p.Done < p.Total {
			chunks++
		}
	}
	if chunks == 0 {
		t.Errorf("no progress within results: %v", lines)
	}
	if sil, err := dst.Silences(ctx, now); err != nil || sil["api"].By != "ops@example.com" {
		t.Errorf("silences after the copy: %+v, %v", sil, err)
	}
	if n, err := dst.PendingAlerts(ctx); err != nil || n != 1 {
		t.Errorf("%d alerts pending after the copy (%v), want the one queued", n, err)
	}
	v, err := dbcopy.Verify(ctx, dst, src, cfg.Location, now, target(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if v.Months < 1 || v.Components != len(cfg.Components) || v.Rows != sum.Rows {
		t.Fatalf("verified %+v, want a month or more of %d components and %d rows", v, len(cfg.Components), sum.Rows)
	}

	if _, err := dbcopy.Copy(ctx, dst, src, dbcopy.Options{}); !dbcopy.IsNotEmpty(err) || !strings.Contains(err.Error(), "results: ") {
		t.Fatalf("copy into a full database: %v, want it refused", err)
	}

	if _, err := raw.Exec(`DELETE FROM state_changes WHERE id = (SELECT MAX(id) FROM state_changes WHERE kind = 'component' AND to_level = 'down')`); err != nil {
		t.Fatal(err)
	}
	_, err = dbcopy.Verify(ctx, dst, src, cfg.Location, now, target(cfg))
	if err == nil || !strings.Contains(err.Error(), "state_changes: ") || !strings.Contains(err.Error(), "(state changes)") {
		t.Fatalf("verify after losing a change: %v", err)
	}
}
