package dbcopy_test

import (
	"context"
	"database/sql"
	_ "github.com/mattn/go-sqlite3"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/dbcopy"
	"github.com/ampelstatus/ampel/pkg/demo"
	"github.com/ampelstatus/ampel/store"
)

var kinds = []string{"dns", "http", "metrics", "tcp", "tls"}

// demoYear writes the demo's year of history into a SQLite file in dir,
// as ampel demo does, and returns its config.
func demoYear(t testing.TB, dir string, now time.Time) *config.Config {
	t.Helper()
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
	if _, err := demo.Seed(context.Background(), cfg, s, now, func() time.Time { return now }, io.Discard); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func target(cfg *config.Config) dbcopy.Target {
	return func(string) availability.Target {
		return availability.Target{SLO: cfg.Site.SLO, Weight: cfg.Availability.PartialWeight}
	}
}

// TestCopyVerifyRefuse copies the demo's year, verifies it, refuses to
// copy into the now full destination, and catches a copy that lost a
// state change.
func TestCopyVerifyRefuse(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	dir := t.TempDir()
	cfg := demoYear(t, dir, now)
	src, err := store.Open(ctx, cfg.Storage.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dstPath := filepath.Join(dir, "copy.db")
	dst, err := store.Open(ctx, dstPath)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()

	var lines []dbcopy.Progress
	sum, err := dbcopy.Copy(ctx, dst, src, dbcopy.Options{Chunk: 1000, Progress: func(p dbcopy.Progress) { lines = append(lines, p) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("copied %d rows in %s (%.0f rows/s)", sum.Rows, sum.Took, sum.Rate())
	if sum.Tables != len(store.Tables()) || sum.Rows < 10000 {
		t.Fatalf("summary %+v", sum)
	}
	chunks := 0
	for _, p := range lines {
		if p.Table == "state_changes" && p.Done < p.Total {
			chunks++
		}
	}
	if chunks == 0 {
		t.Errorf("no progress within state_changes: %v", lines)
	}
	v, err := dbcopy.Verify(ctx, dst, src, cfg.Location, now, target(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if v.Months < 13 || v.Components != len(cfg.Components) || v.Rows != sum.Rows {
		t.Fatalf("verified %+v, want 13 months of %d components and %d rows", v, len(cfg.Components), sum.Rows)
	}

	if _, err := dbcopy.Copy(ctx, dst, src, dbcopy.Options{}); !dbcopy.IsNotEmpty(err) || !strings.Contains(err.Error(), "results: ") {
		t.Fatalf("copy into a full database: %v, want it refused", err)
	}

	raw, err := sql.Open("sqlite3", dstPath)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DELETE FROM state_changes WHERE id = (SELECT MAX(id) FROM state_changes WHERE kind = 'component' AND to_level = 'down')`); err != nil {
		t.Fatal(err)
	}
	_, err = dbcopy.Verify(ctx, dst, src, cfg.Location, now, target(cfg))
	if err == nil || !strings.Contains(err.Error(), "state_changes: ") || !strings.Contains(err.Error(), "(state changes)") {
		t.Fatalf("verify after losing a change: %v", err)
	}
}
