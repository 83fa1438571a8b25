package alert

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestWebhookSignedAndResolved: an outage reaches a webhook receiver as a
// Standard Webhooks request whose signature verifies, and its end as a
// resolve with another id; each attempt is recorded with its code.
func TestWebhookSignedAndResolved(t *testing.T) {
	rcv := startReceiver(t)
	f := newFixture(t, channelTOML(t.TempDir(), "hook", "webhook", rcv.URL), Options{})
	f.change("api", status.Up, status.Down)
	f.pass()
	f.clock.add(time.Minute)
	f.change("api", status.Down, status.Up)
	f.pass()
	reqs := rcv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the alert and its end", len(reqs))
	}
	key, _ := channel.ParseSecret(testSecret)
	var types []string
	for _, r := range reqs {
		id, ts, sig := r.header.Get("webhook-id"), r.header.Get("webhook-timestamp"), r.header.Get("webhook-signature")
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + ts + "." + r.body))
		if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); sig != want || id == "" {
			t.Errorf("signature %q of id %q does not verify (want %q)", sig, id, want)
		}
		var p struct {
			Type string `json:"type"`
			Data struct {
				Component struct{ Slug, Name string }
				ToStatus  string `json:"to_status"`
				URL       string `json:"url"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(r.body), &p); err != nil {
			t.Fatal(err)
		}
		if p.Data.Component.Slug != "api" || p.Data.Component.Name != "API" || p.Data.URL != "https://status.example.com/components/api" {
			t.Errorf("payload %s", r.body)
		}
		types = append(types, p.Type+" "+p.Data.ToStatus)
	}
	if want := []string{"alert.triggered major_outage", "alert.resolved operational"}; !slices.Equal(types, want) {
		t.Errorf("types = %q, want %q", types, want)
	}
	if reqs[0].header.Get("webhook-id") == reqs[1].header.Get("webhook-id") {
		t.Error("the alert and its end share a webhook-id")
	}
	if got := f.attempts("hook"); !slices.Equal(got, []string{"delivered 200", "delivered 200"}) {
		t.Errorf("attempts = %q", got)
	}
}

// TestRetry5xxNot4xx: a 503 is retried after a backoff and then
// delivered, keeping its webhook-id; a 404 is not retried.
func TestRetry5xxNot4xx(t *testing.T) {
	flaky := startReceiver(t, 503, 200)
	gone := startReceiver(t, 404)
	dir := t.TempDir()
	f := newFixture(t, "[alerts]\ngroup_window = \"0s\"\n"+channelTOML(dir, "flaky", "webhook", flaky.URL)+channelTOML(dir, "gone", "webhook", gone.URL),
		Options{RetryBase: time.Second, RetryMax: time.Second})
	f.change("api", status.Up, status.Down)
	f.pass()
	if n, _ := f.st.PendingAlerts(context.Background()); n != 1 {
		t.Fatalf("pending after a 503 and a 404 = %d, want the 503's alert only", n)
	}
	f.pass() // not due yet: the backoff holds it
	if len(flaky.requests()) != 1 {
		t.Fatalf("retried before the backoff: %d requests", len(flaky.requests()))
	}
	f.clock.add(2 * time.Second)
	f.pass()
	f.clock.add(time.Hour)
	f.pass()
	fr, gr := flaky.requests(), gone.requests()
	if len(fr) != 2 || len(gr) != 1 {
		t.Fatalf("flaky got %d, gone got %d requests; want 2 and 1", len(fr), len(gr))
	}
	if fr[0].header.Get("webhook-id") != fr[1].header.Get("webhook-id") {
		t.Error("a retry changed the webhook-id: receivers cannot drop the duplicate")
	}
	if got := f.attempts("flaky"); !slices.Equal(got, []string{"retry 503", "delivered 200"}) {
		t.Errorf("flaky attempts = %q", got)
	}
	if got := f.attempts("gone"); !slices.Equal(got, []string{"failed 404"}) {
		t.Errorf("gone attempts = %q", got)
	}
}

// TestReceiverDownThenUp: while nothing listens the alert is retried; once
// a receiver listens on the address it is delivered.
func TestReceiverDownThenUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // down: connections are refused
	f := newFixture(t, "[alerts]\ngroup_window = \"0s\"\n"+channelTOML(t.TempDir(), "ops", "slack", "http://"+addr+"/hook"),
		Options{RetryBase: time.Second, RetryMax: time.Second})
	f.change("api", status.Up, status.Down)
	f.pass()
	if got := f.attempts("ops"); !slices.Equal(got, []string{"retry 0"}) {
		t.Fatalf("attempts while down = %q", got)
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	rcv := &receiver{}
	rcv.Server = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(rcv.serve)}}
	rcv.Start()
	defer rcv.Close()
	f.clock.add(2 * time.Second)
	f.pass()
	reqs := rcv.requests()
	if len(reqs) != 1 || !strings.Contains(reqs[0].body, "API: major outage") {
		t.Fatalf("after the receiver came up: %+v", reqs)
	}
	if got := f.attempts("ops"); !slices.Equal(got, []string{"retry 0", "delivered 200"}) {
		t.Errorf("attempts = %q", got)
	}
}

// TestGiveUp: an alert not delivered within retry_for is given up, counted
// and recorded as failed.
func TestGiveUp(t *testing.T) {
	rcv := startReceiver(t, 500)
	f := newFixture(t, "[alerts]\nretry_for = \"1m\"\n"+channelTOML(t.TempDir(), "ops", "discord", rcv.URL),
		Options{RetryBase: 20 * time.Second, RetryMax: 40 * time.Second})
	f.change("api", status.Up, status.Down)
	for range 5 {
		f.pass()
		f.clock.add(40 * time.Second)
	}
	if n, _ := f.st.PendingAlerts(context.Background()); n != 0 {
		t.Errorf("%d alerts still pending after retry_for", n)
	}
	if !slices.Equal(f.given, []string{"ops"}) {
		t.Errorf("given up: %q", f.given)
	}
	got := f.attempts("ops")
	if len(got) < 2 || got[len(got)-1] != "failed 500" {
		t.Errorf("attempts = %q, want retries then failed", got)
	}
}

// TestGroupBurst: a burst of changes goes to a chat channel as one
// message; what follows within the window waits for its end and goes out
// as the next one. PagerDuty gets one event per component.
func TestGroupBurst(t *testing.T) {
	slack := startReceiver(t)
	pd := startReceiver(t, 202)
	dir := t.TempDir()
	f := newFixture(t, "[alerts]\ngroup_window = \"30s\"\n"+channelTOML(dir, "chat", "slack", slack.URL)+channelTOML(dir, "pd", "pagerduty", pd.URL), Options{})
	f.change("api", status.Up, status.Down)
	f.change("web", status.Up, status.Partial)
	f.change("db", status.Up, status.Down)
	f.pass()
	f.clock.add(5 * time.Second)
	f.change("api", status.Down, status.Up)
	f.pass()
	if n := len(slack.requests()); n != 1 {
		t.Fatalf("%d slack messages within the window, want 1", n)
	}
	first := slack.requests()[0].body
	for _, want := range []string{"3 alerts", "API: major outage", "WEB: partial outage", "DB: major outage"} {
		if !strings.Contains(first, want) {
			t.Errorf("the grouped message lacks %q: %s", want, first)
		}
	}
	f.clock.add(25 * time.Second)
	f.pass()
	reqs := slack.requests()
	if len(reqs) != 2 || !strings.Contains(reqs[1].body, "Resolved: API is operational") {
		t.Fatalf("after the window: %d messages, last %s", len(reqs), reqs[len(reqs)-1].body)
	}
	var actions []string
	for _, r := range pd.requests() {
		var e struct {
			EventAction string `json:"event_action"`
			DedupKey    string `json:"dedup_key"`
			RoutingKey  string `json:"routing_key"`
		}
		if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.RoutingKey != "ROUTINGKEY0123456789" {
			t.Fatalf("pagerduty body %s: %v", r.body, err)
		}
		actions = append(actions, e.EventAction+" "+e.DedupKey)
	}
	want := []string{"trigger ampel/api", "trigger ampel/web", "trigger ampel/db", "resolve ampel/api"}
	if !slices.Equal(actions, want) {
		t.Errorf("pagerduty events = %q, want %q", actions, want)
	}
}

// TestRuleDelayAndLevels: a rule with a delay stays silent for a flap
// shorter than it, alerts for a longer one, and ignores levels it does
// not name.
func TestRuleDelayAndLevels(t *testing.T) {
	rcv := startReceiver(t)
	extra := channelTOML(t.TempDir(), "push", "ntfy", rcv.URL) + `
[[alerts.rules]]
components = ["api"]
levels = ["down"]
delay = "2m"
`
	f := newFixture(t, extra, Options{})
	f.change("api", status.Up, status.Down)
	f.clock.add(time.Minute)
	f.pass()
	f.change("api", status.Down, status.Up) // a flap of 1 minute
	f.change("web", status.Up, status.Down) // not in the rule
	f.change("api", status.Up, status.Partial)
	f.clock.add(time.Hour)
	f.pass()
	if n := len(rcv.requests()); n != 0 {
		t.Fatalf("%d alerts for a flap, another component and a level not named", n)
	}
	f.change("api", status.Partial, status.Down)
	f.clock.add(2 * time.Minute)
	f.pass()
	reqs := rcv.requests()
	if len(reqs) != 1 || reqs[0].header.Get("Title") != "API: major outage" {
		t.Fatalf("after the delay: %+v", reqs)
	}
}

// TestTestAlertAndUnknownChannel: a test alert goes to its channel alone;
// an alert to a channel no longer configured fails instead of waiting
// forever.
func TestTestAlertAndUnknownChannel(t *testing.T) {
	rcv := startReceiver(t)
	f := newFixture(t, channelTOML(t.TempDir(), "ops", "teams", rcv.URL), Options{})
	ctx := context.Background()
	if err := f.st.EnqueueTestAlert(ctx, "ops", "test_abc", f.clock.now()); err != nil {
		t.Fatal(err)
	}
	if err := f.st.EnqueueTestAlert(ctx, "removed", "test_def", f.clock.now()); err != nil {
		t.Fatal(err)
	}
	f.pass()
	reqs := rcv.requests()
	if len(reqs) != 1 || !strings.Contains(reqs[0].body, "Test alert from Example Status") ||
		!strings.Contains(reqs[0].body, "AdaptiveCard") {
		t.Fatalf("test alert: %+v", reqs)
	}
	if n, _ := f.st.PendingAlerts(ctx); n != 0 {
		t.Errorf("%d alerts pending", n)
	}
}

// TestSilenceAndMaintenance: a component silenced from the console, or in
// a maintenance window in progress, alerts nobody; another still does,
// and so does the silenced one once the silence ends.
func TestSilenceAndMaintenance(t *testing.T) {
	rcv := startReceiver(t)
	f := newFixture(t, "[alerts]\ngroup_window = \"0s\"\n"+channelTOML(t.TempDir(), "push", "ntfy", rcv.URL), Options{})
	ctx := context.Background()
	actor := store.Actor{Kind: store.ActorUser, ID: 1, Name: "ops@example.com"}
	if err := f.st.SilenceComponent(ctx, "api", f.clock.now().Add(time.Hour), actor, f.clock.now()); err != nil {
		t.Fatal(err)
	}
	now := f.clock.now()
	if _, err := f.st.CreateMaintenance(ctx, store.Maintenance{Name: "DB upgrade", Status: "in_progress", ScheduledFor: now,
		ScheduledUntil: now.Add(time.Hour), ComponentIDs: []string{"db"}},
		store.MaintenanceUpdate{Status: "in_progress", Body: "Upgrading.", At: now}, actor, now); err != nil {
		t.Fatal(err)
	}
	f.change("api", status.Up, status.Down)
	f.change("db", status.Up, status.Down)
	f.change("web", status.Up, status.Down)
	f.pass()
	var titles []string
	for _, r := range rcv.requests() {
		titles = append(titles, r.header.Get("Title"))
	}
	if !slices.Equal(titles, []string{"WEB: major outage"}) {
		t.Fatalf("alerts during the silence and the window: %q", titles)
	}
	if err := f.st.SilenceComponent(ctx, "api", now, actor, now); err != nil {
		t.Fatal(err)
	}
	f.clock.add(time.Minute)
	f.change("api", status.Down, status.Up)
	f.clock.add(time.Minute)
	f.change("api", status.Up, status.Down)
	f.pass()
	if reqs := rcv.requests(); len(reqs) != 2 || reqs[1].header.Get("Title") != "API: major outage" {
		t.Fatalf("after the silence ended: %d alerts", len(reqs))
	}
}

// TestChannelRefusesLoopback: without allow_networks, a channel URL that
// points at this machine (directly, or through a name that resolves to
// it) is refused before any connection is opened, and the alert fails
// for good instead of being retried.
func TestChannelRefusesLoopback(t *testing.T) {
	var conns atomic.Int64
	rcv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	rcv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	rcv.Start()
	defer rcv.Close()
	_, port, _ := net.SplitHostPort(rcv.Listener.Addr().String())
	dir := t.TempDir()
	f := newFixture(t, "[alerts]\ngroup_window = \"0s\"\n"+channelTOML(dir, "direct", "ntfy", rcv.URL)+
		channelTOML(dir, "named", "ntfy", "http://localhost:"+port+"/topic"), Options{})
	f.d.opt.Client = safehttp.New(safehttp.Options{}) // what serve builds without allow_networks
	f.change("api", status.Up, status.Down)
	f.pass()
	for _, ch := range []string{"direct", "named"} {
		atts, err := f.st.AlertAttempts(context.Background(), ch, 10)
		if err != nil || len(atts) != 1 || atts[0].Outcome != "failed" || !strings.Contains(atts[0].Error, "loopback") {
			t.Errorf("%s: attempts %+v, %v; want one failed as loopback", ch, atts, err)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the receiver saw %d connections, want none", n)
	}
}
