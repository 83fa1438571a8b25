package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/demo"
	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/probes"
	"github.com/ampelstatus/ampel/store"
)

// demoHistory writes the demo's year of history into dir/ampel.db, as
// ampel demo does, and returns the demo's config file pointed at the
// PostgreSQL database dsn.
func demoHistory(t *testing.T, dir, dsn string) (dbPath, cfgPath string, components int) {
	t.Helper()
	now := time.Now()
	s := demo.NewScenario(now)
	targets, err := demo.StartTargets(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { targets.Close() })
	cfg, err := demo.Config(dir, "127.0.0.1:0", targets, probes.KindNames())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(context.Background(), cfg, s, now, time.Now, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfgPath = filepath.Join(dir, "new.toml")
	if err := os.WriteFile(cfgPath, []byte(demo.Document("127.0.0.1:0", targets, probes.KindNames())), 0o600); err != nil {
		t.Fatal(err)
	}
	usePostgres(t, cfgPath, dsn)
	return cfg.Storage.Path, cfgPath, len(cfg.Components)
}

// cancelOn is a writer that cancels a context once what was written to
// it contains a string.
type cancelOn struct {
	mu     sync.Mutex
	buf    strings.Builder
	when   string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	if strings.Contains(c.buf.String(), c.when) {
		c.cancel()
	}
	return len(p), nil
}

// TestMigrateDB moves the demo's year from SQLite into PostgreSQL with
// the real command: progress, verification, ids that go on after the
// copied ones; then refuses the full database, and makes an interrupted
// copy start again with an empty one, as docs/operations.md says.
func TestMigrateDB(t *testing.T) {
	dsn := pgtest.DB(t)
	dir := t.TempDir()
	dbPath, cfgPath, components := demoHistory(t, dir, dsn)

	code, out, errb := runCmd(t, "", "migrate-db", "--config", cfgPath, "--from", dbPath)
	if code != 0 {
		t.Fatalf("migrate-db: %d\n%s\n%s", code, out, errb)
	}
	t.Logf("\n%s", out)
	for _, want := range []string{"  results ", "  state_changes ", "rows/s", "Copied ", "Verified: 31 tables"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if m := regexp.MustCompile(`(\d+) components × (\d+) months`).FindStringSubmatch(out); m == nil || m[1] != strconv.Itoa(components) || len(m[2]) != 2 || m[2] < "13" {
		t.Errorf("verified components and months: %v", m)
	}
	if strings.Contains(out+errb, pgPassword) {
		t.Errorf("the output shows the DSN's password")
	}

	// Ids go on after the copied ones.
	ctx := context.Background()
	st := openPG(t, dsn)
	incs, err := st.Incidents(ctx, false, 1000)
	if err != nil || len(incs) == 0 {
		t.Fatalf("copied incidents: %d, %v", len(incs), err)
	}
	var maxID int64
	for _, inc := range incs {
		maxID = max(maxID, inc.ID)
	}
	now := time.Now()
	inc, err := st.CreateIncident(ctx, store.Incident{Name: "After the move", Status: "investigating", Impact: "minor", Started: now},
		store.IncidentUpdate{Status: "investigating", Body: "New id.", Author: "test", At: now}, store.Actor{Kind: store.ActorCLI, Name: "cli:test"}, now)
	if err != nil || inc.ID <= maxID {
		t.Fatalf("incident created after the copy: id %d (copied up to %d), %v", inc.ID, maxID, err)
	}

	code, _, errb = runCmd(t, "", "migrate-db", "--config", cfgPath, "--from", dbPath)
	if code != 1 || !strings.Contains(errb, "is not empty (") || !strings.Contains(errb, "drop the database, create it again empty") {
		t.Errorf("migrate-db into the full database: %d %s", code, errb)
	}

	// Interrupted part way through the results (Ctrl-C): the copy says
	// it is incomplete, and the next run refuses the partial copy.
	dsn2 := pgtest.DB(t)
	writeDSN(t, cfgPath, dsn2)
	ctx2, cancel := context.WithCancel(ctx)
	defer cancel()
	progress := &cancelOn{when: "  results ", cancel: cancel}
	var stderr strings.Builder
	if code := run(ctx2, []string{"migrate-db", "--config", cfgPath, "--from", dbPath, "--chunk", "500"}, nil, progress, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "The copy is incomplete: drop the database, create it again empty and run migrate-db again") {
		t.Fatalf("interrupted migrate-db: %d %s", code, stderr.String())
	}
	code, _, errb = runCmd(t, "", "migrate-db", "--config", cfgPath, "--from", dbPath)
	if code != 1 || !strings.Contains(errb, "results: ") || !strings.Contains(errb, "If an earlier migrate-db into it was interrupted") {
		t.Errorf("migrate-db after an interrupted copy: %d %s", code, errb)
	}
}
