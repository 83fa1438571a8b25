package demo

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/probes"
	"github.com/ampelstatus/ampel/store"
)

// start is a fixed demo start, so every run generates the same history.
var start = time.Date(2026, 11, 20, 14, 7, 3, 0, time.UTC)

func startTargets(t *testing.T, s *Scenario) *Targets {
	t.Helper()
	tg, err := StartTargets(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg
}

func TestConfigValidates(t *testing.T) {
	tg := startTargets(t, NewScenario(start))
	cfg, err := Config(t.TempDir(), "127.0.0.1:0", tg, probes.KindNames())
	if err != nil {
		t.Fatalf("%v\n%s", err, Document("127.0.0.1:0", tg, probes.KindNames()))
	}
	if len(cfg.Zones) != 3 || len(cfg.Components) != len(fleet) {
		t.Fatalf("zones %d, components %d", len(cfg.Zones), len(cfg.Components))
	}
	groups, kinds := map[string]bool{}, map[string]bool{}
	for _, c := range cfg.Components {
		groups[c.Group] = true
		for _, chk := range c.Checks {
			kinds[chk.Kind] = true
			zones := 3
			if chk.Kind == "heartbeat" {
				zones = 1 // heartbeats arrive at the server
			}
			if len(chk.Zones) != zones {
				t.Errorf("check %s runs in %v, want %d zones", chk.Name, chk.Zones, zones)
			}
		}
	}
	for _, k := range probes.KindNames() {
		if !kinds[k] && k != "dns" && k != "tls" && k != "metrics" {
			t.Errorf("the demo shows no check of kind %s", k)
		}
	}
	if len(groups) < 3 {
		t.Errorf("groups %v, want several", groups)
	}
}

// TestTargetsAnswerPerZone probes the targets with Ampel's own probes, so
// the zone the http probe names in its User-Agent is the one the target
// reads.
func TestTargetsAnswerPerZone(t *testing.T) {
	// The dashboard fails in ap-southeast for the first 150 s of every 7
	// minutes from 25 minutes before the start: 4 minutes after the start
	// it fails there and nowhere else.
	s := NewScenario(time.Now().Add(-4 * time.Minute))
	tg := startTargets(t, s)
	cfg, err := Config(t.TempDir(), "127.0.0.1:0", tg, probes.KindNames())
	if err != nil {
		t.Fatal(err)
	}
	probe := func(name, zone string) probes.Observation {
		t.Helper()
		for ci := range cfg.Components {
			for ki := range cfg.Components[ci].Checks {
				chk := &cfg.Components[ci].Checks[ki]
				if chk.Name != name {
					continue
				}
				p, err := probes.Kinds[chk.Kind](chk)
				if err != nil {
					t.Fatal(err)
				}
				return p(context.Background(), probes.Env{Zone: zone})
			}
		}
		t.Fatalf("no check %s", name)
		return probes.Observation{}
	}
	for _, z := range Zones {
		want := status.Up
		if z == "ap-southeast" {
			want = status.Down
		}
		if got := probe("dashboard-home", z); got.Outcome != want {
			t.Errorf("dashboard-home from %s: %v (%s), want %v", z, got.Outcome, got.Reason, want)
		}
		if got := probe("workers-3", z); got.Outcome != status.Down || got.Reason != "HTTP 503" {
			t.Errorf("workers-3 from %s: %v (%s), want down with HTTP 503", z, got.Outcome, got.Reason)
		}
		if got := probe("search-query", z); got.Outcome != status.Degraded {
			t.Errorf("search-query from %s: %v (%s), want degraded", z, got.Outcome, got.Reason)
		}
		want = status.Up
		if z == "us-east" {
			want = status.Down
		}
		if got := probe("billing-grpc", z); got.Outcome != want {
			t.Errorf("billing-grpc from %s: %v (%s), want %v", z, got.Outcome, got.Reason, want)
		}
		for _, name := range []string{"api-health", "mail-relay", "gateway-ping"} {
			if got := probe(name, z); got.Outcome != status.Up {
				t.Errorf("%s from %s: %v (%s), want up", name, z, got.Outcome, got.Reason)
			}
		}
	}
	resp, err := http.Get(strings.TrimSuffix(tg.HTTPURL("x"), "x") + "no-such-check")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d, want 404", resp.StatusCode)
	}
}

func TestZoneOf(t *testing.T) {
	for ua, want := range map[string]string{
		"Ampel/0.1 (+zone=eu-central)": "eu-central",
		"Ampel/0.1":                    "",
		"curl/8.0":                     "",
		"Ampel/0.1 (+zone=broken":      "",
	} {
		if got := ZoneOf(ua); got != want {
			t.Errorf("ZoneOf(%q) = %q, want %q", ua, got, want)
		}
	}
}

func TestScenarioIsDeterministicAndBelievable(t *testing.T) {
	a, b := NewScenario(start), NewScenario(start)
	at := start.Add(-37 * 24 * time.Hour)
	for _, z := range Zones {
		if a.Answer("auth-login", z, at) != b.Answer("auth-login", z, at) {
			t.Fatal("two scenarios with one start answer differently")
		}
	}
	if got := a.Answer("search-query", "eu-central", start); got.Fail || got.Latency <= 500*time.Millisecond {
		t.Errorf("search at start: %+v, want slow (over degraded_after 500ms)", got)
	}
	if got := a.Answer("api-health", "eu-central", start); got.Fail || got.Latency > 200*time.Millisecond {
		t.Errorf("api at start: %+v, want healthy and quick", got)
	}
	major, partial, slow := 0, 0, 0
	long := longPartial(start)
	for _, in := range a.incidents {
		if in.to == forever || in == long {
			continue
		}
		if d := in.to.Sub(in.from); in.check == "api-health" || d < 10*time.Minute || d > 4*time.Hour {
			t.Errorf("incident %+v: the API has none, and each lasts 10m to 4h", in)
		}
		switch {
		case in.slow:
			slow++
		case in.zone != "":
			partial++
		default:
			major++
			if d := in.to.Sub(in.from); d > 90*time.Minute {
				t.Errorf("major outage of %v, want at most 90m", d)
			}
		}
	}
	if major < 3 || partial < 3 || slow < 3 {
		t.Errorf("past incidents: %d major, %d partial, %d slow; want a few of each", major, partial, slow)
	}
}

func TestSeedWritesAYear(t *testing.T) {
	if testing.Short() {
		t.Skip("backfills a year")
	}
	s := NewScenario(start)
	tg := startTargets(t, s)
	cfg, err := Config(t.TempDir(), "127.0.0.1:0", tg, probes.KindNames())
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	ctx := context.Background()
	engine, err := Seed(ctx, cfg, s, start, func() time.Time { return start }, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "Backfilled ") {
		t.Errorf("progress: %q", progress.String())
	}
	// The engine continues at the scenario's state: search is slow and a
	// worker is down, so both components are degraded; the API is up.
	for slug, want := range map[string]status.Level{"api": status.Up, "search": status.Degraded, "workers": status.Degraded} {
		if got, _ := engine.Component(slug); got.Level != want {
			t.Errorf("component %s at the end of the backfill: %v, want %v", slug, got.Level, want)
		}
	}

	st, err := store.Open(ctx, cfg.Storage.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	days, err := st.ComponentDays(ctx, cfg.Location, start, 90)
	if err != nil {
		t.Fatal(err)
	}
	var outageDays int
	for _, comp := range cfg.Components {
		ds := days[comp.Slug]
		if len(ds) < 89 {
			t.Errorf("component %s: %d days of rollups, want 90", comp.Slug, len(ds))
		}
		for _, d := range ds {
			if d.Down+d.Partial > 0 {
				outageDays++
			}
			if d.NoData > time.Minute && d.Day != ds[0].Day {
				t.Errorf("%s on %s: %v without data inside the history", comp.Slug, d.Day, d.NoData)
			}
		}
	}
	if outageDays < 5 || outageDays > 60 {
		t.Errorf("%d component-days with an outage, want a believable few", outageDays)
	}
	checkYear(t, st, cfg, s)
	checkIncidents(t, st, s)
	lat, err := st.LatencyHours(ctx, "api-health", start.Add(-24*time.Hour), start)
	if err != nil {
		t.Fatal(err)
	}
	if len(lat) < 23*3 {
		t.Fatalf("api-health latency: %d zone-hours in the last day, want 24 per zone", len(lat))
	}
	for _, h := range lat {
		if h.P50 < 10*time.Millisecond || h.P95 > 500*time.Millisecond || h.P95 < h.P50 {
			t.Errorf("api-health %s %s: p50 %v p95 %v, want realistic", h.Zone, h.Hour, h.P50, h.P95)
		}
	}
}

// TestRunJobCallsLikeACronJob: the demo's heartbeat job opens a run, works
// for the run's time, and ends it, every interval.
func TestRunJobCallsLikeACronJob(t *testing.T) {
	calls := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls <- r.Method + " " + r.URL.Path
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); RunJob(ctx, srv.URL+"/api/v1/heartbeat/T", NewScenario(time.Now())) }()
	for _, want := range []string{"POST /api/v1/heartbeat/T/start", "POST /api/v1/heartbeat/T"} {
		select {
		case got := <-calls:
			if got != want {
				t.Errorf("call %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no call %q", want)
		}
	}
	cancel()
	<-done
}
