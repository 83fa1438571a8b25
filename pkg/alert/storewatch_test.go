package alert

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/store"
)

// TestStoreUnhealthyAlertsDirectly stops a real PostgreSQL under a store:
// past store_unhealthy_after the operators' webhook gets one alert, sent
// without the outbox (in the very store that fails), however often the
// watch looks during the outage; when the server is back, the resolve
// follows with the same component, and the next outage is a new alert.
func TestStoreUnhealthyAlertsDirectly(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.NewServer(t, pgtest.Options{})
	dsn, err := pg.CreateDB("ampel")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenPostgres(ctx, dsn, store.PostgresOptions{MaxReadConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rcv := startReceiver(t)
	dir := t.TempDir()
	f := newFixture(t, "[alerts]\ngroup_window = \"0s\"\n"+channelTOML(dir, "hook", "webhook", rcv.URL), Options{})
	w := &StoreWatch{Probe: st.ProbeWrite, Send: f.d.SendNow, After: 30 * time.Second, Now: f.clock.now, Log: slog.New(slog.DiscardHandler)}

	w.Look(ctx)
	if w.Failing() || len(rcv.requests()) != 0 {
		t.Fatal("a healthy store alerted")
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	w.Look(ctx)
	if !w.Failing() {
		t.Fatal("the probe wrote to a stopped PostgreSQL")
	}
	f.clock.add(20 * time.Second)
	w.Look(ctx)
	if n := len(rcv.requests()); n != 0 {
		t.Fatalf("%d alerts before store_unhealthy_after", n)
	}
	for range 3 {
		f.clock.add(15 * time.Second)
		w.Look(ctx)
	}
	reqs := rcv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d alerts during one outage, want 1", len(reqs))
	}
	trig := payload(t, reqs[0].body)
	if trig.Type != "alert.triggered" || trig.Data.Component.Slug != "ampel-store" || !strings.Contains(trig.Data.Cause, "the store has refused writes for 35s") {
		t.Fatalf("alert %+v", trig)
	}

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	f.clock.add(15 * time.Second)
	w.Look(ctx)
	reqs = rcv.requests()
	if w.Failing() || len(reqs) != 2 {
		t.Fatalf("after the restart: failing %v, %d requests, want the resolve", w.Failing(), len(reqs))
	}
	res := payload(t, reqs[1].body)
	if res.Type != "alert.resolved" || res.Data.Component.Slug != "ampel-store" || reqs[1].header.Get("webhook-id") == reqs[0].header.Get("webhook-id") {
		t.Fatalf("resolve %+v", res)
	}
	w.Look(ctx)
	if len(rcv.requests()) != 2 {
		t.Fatal("a healthy store sent more")
	}
	if w.Alerts() != 1 {
		t.Errorf("counted %d outages alerted, want 1", w.Alerts())
	}
}

// TestStoreUnhealthyOnlyTheLeaderAlerts: a node that did not lead when
// the outage began stays quiet, so a cluster sends one alert.
func TestStoreUnhealthyOnlyTheLeaderAlerts(t *testing.T) {
	rcv := startReceiver(t)
	f := newFixture(t, channelTOML(t.TempDir(), "hook", "webhook", rcv.URL), Options{})
	down := func(context.Context, time.Time) error { return context.DeadlineExceeded }
	follower := &StoreWatch{Probe: down, Send: f.d.SendNow, After: time.Second, Now: f.clock.now,
		Leading: func() bool { return false }, Log: slog.New(slog.DiscardHandler)}
	follower.Look(context.Background())
	f.clock.add(time.Minute)
	follower.Look(context.Background())
	if n := len(rcv.requests()); n != 0 || !follower.Failing() {
		t.Fatalf("a follower sent %d alerts (failing %v)", n, follower.Failing())
	}
}

type hookPayload struct {
	Type string `json:"type"`
	Data struct {
		Component struct{ Slug string } `json:"component"`
		Cause     string                `json:"cause"`
	} `json:"data"`
}

func payload(t *testing.T, body string) hookPayload {
	t.Helper()
	var p hookPayload
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

func TestMain(m *testing.M) { pgtest.Main(m) }
