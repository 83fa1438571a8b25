package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/pgtest"
)

// outage is how long TestPostgresOutage keeps the database down.
const outage = 30 * time.Second

// healthz returns /healthz's status code, 0 when it does not answer.
func healthz(base string) int {
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestPostgresOutage stops the PostgreSQL server under a real ampel serve
// for 30 s while results flow, then starts it again: /healthz answers 503
// throughout, the recovery is logged, and every probe the target answered
// is in the history afterwards.
func TestPostgresOutage(t *testing.T) {
	pg := pgtest.NewServer(t, pgtest.Options{Fsync: true})
	dsn, err := pg.CreateDB("ampel")
	if err != nil {
		t.Fatal(err)
	}
	var probes atomic.Int64
	var failing atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probes.Add(1)
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		io.WriteString(w, "ok")
	}))
	defer target.Close()
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, target.URL)
	usePostgres(t, cfgPath, dsn)

	cmd, base, logs := startAmpel(t, cfgPath)
	eventually(t, 15*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })
	if code := healthz(base); code != http.StatusOK {
		t.Fatalf("healthz before the outage: %d", code)
	}

	for _, p := range []string{"/", "/api/v2/summary.json"} {
		if code, _ := get(t, base+p); code != http.StatusOK {
			t.Fatalf("%s before the outage: %d", p, code)
		}
	}

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	down := time.Now()
	// The service fails while the database is away: its state changes
	// in memory, so the pages need a rebuild they cannot read the store
	// for.
	failing.Store(true)
	eventually(t, 10*time.Second, "healthz 503 with the database down", func() bool { return healthz(base) == http.StatusServiceUnavailable })
	pages := map[string]int{}
	var shown string // the api's status in the last summary.json
	for time.Since(down) < outage {
		for _, p := range []string{"/", "/api/v2/summary.json"} {
			code, body := get(t, base+p)
			if code != http.StatusOK {
				pages[p] = code
			} else if p == "/api/v2/summary.json" {
				shown = summaryStatus(t, body, "api")
			}
		}
		// Once unhealthy, unhealthy until the database is back.
		if code := healthz(base); code != http.StatusServiceUnavailable {
			t.Fatalf("healthz %d %s into the outage", code, time.Since(down).Round(time.Second))
		}
		time.Sleep(500 * time.Millisecond) // the outage's length, not readiness
	}
	failing.Store(false)
	during := probes.Load()
	// A status page stays up while its own database is away: the last
	// pages built, with their "updated" time.
	if len(pages) > 0 {
		t.Errorf("pages that did not answer 200 while the database was down: %v", pages)
	}
	// And they show the state now, not as it was at the last build: the
	// service went down after the database did.
	if shown != "major_outage" {
		t.Errorf("summary.json at the end of the outage says api is %q, want major_outage", shown)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	eventually(t, 30*time.Second, "healthz 200 after the database is back", func() bool { return healthz(base) == http.StatusOK })
	eventually(t, 10*time.Second, "the recovery logged", func() bool { return strings.Contains(logs.String(), "store: writes recovered") })
	if n := strings.Count(logs.String(), "store: write failed, retrying"); n != 1 {
		t.Errorf("the failing writes logged %d times, want once:\n%s", n, logs.String())
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	answered := probes.Load()
	st := openPG(t, dsn)
	stored, err := st.CountResults(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stored != answered {
		t.Fatalf("%d results stored, %d probes answered: %d lost\n%s", stored, answered, answered-stored, logs.String())
	}
	inOutage, err := st.Results(context.Background(), "api-health", down, up, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(inOutage) < int(outage/time.Second)*2/3 {
		t.Errorf("%d results from the %s the database was down (%d probes by then), want about one a second", len(inOutage), up.Sub(down).Round(time.Second), during)
	}
	t.Logf("%d results, %d of them probed while PostgreSQL was down", stored, len(inOutage))
	noSQLiteFiles(t, filepath.Dir(cfgPath))
}

// summaryStatus is the Statuspage status of the component called name in
// a summary.json body.
func summaryStatus(t *testing.T, body, name string) string {
	t.Helper()
	var doc struct {
		Components []struct{ Name, Status string } `json:"components"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	for _, c := range doc.Components {
		if strings.EqualFold(c.Name, name) {
			return c.Status
		}
	}
	return ""
}
