package subhook

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestWebhookVerifiedThenStatuspageShapes, on both stores: a webhook is
// verified by its echo of the challenge and then gets incident and
// component updates in Statuspage's shapes, signed with its own secret;
// one that does not echo gets nothing but its verification until someone
// opens the confirmation link.
func TestWebhookVerifiedThenStatuspageShapes(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			f := newFixture(t, db, Options{})
			echo := startReceiver(t, "webhook")
			echo.echo = true
			silent := startReceiver(t, "webhook")
			eid, sid := f.subscribe(echo, "api"), f.subscribe(silent)
			if n := f.pass(); n != 2 {
				t.Fatalf("verifications delivered %d", n)
			}
			if f.state(eid) != store.HookConfirmed || f.state(sid) != store.HookPending {
				t.Fatalf("after verification: echo %s, silent %s", f.state(eid), f.state(sid))
			}
			v := silent.requests()[0].body
			for _, k := range []string{"challenge", "confirm_url", "manage_url", "page", "expires_at"} {
				if s, _ := v[k].(string); s == "" {
					t.Errorf("verification lacks %s: %v", k, v)
				}
			}
			if v["type"] != TypeVerify || !strings.HasPrefix(v["confirm_url"].(string), "https://status.example.com"+ConfirmPath+"/") {
				t.Errorf("verification %v", v)
			}

			// An incident and a component change: only the verified one hears.
			f.incident("API down", "api")
			w := f.st.StartWriter(store.WriterOptions{})
			w.Write(nil, []status.Change{{Kind: status.Component, Subject: "api", At: f.clock.now(), From: status.Up, To: status.Partial, Cause: "x"}})
			if err := w.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			w.Close(context.Background())
			// The writer queues at the wall clock, which ran on meanwhile.
			f.clock.set(time.Now().Add(time.Second))
			if n := f.pass(); n != 2 {
				t.Fatalf("delivered %d, want the incident and the component update", n)
			}
			if n := len(silent.requests()); n != 1 {
				t.Fatalf("unconfirmed endpoint got %d requests", n)
			}
			reqs := echo.requests()
			if len(reqs) != 3 {
				t.Fatalf("confirmed endpoint got %d requests", len(reqs))
			}
			var sawIncident, sawComponent bool
			for _, r := range reqs[1:] {
				meta, _ := r.body["meta"].(map[string]any)
				page, _ := r.body["page"].(map[string]any)
				if meta["unsubscribe"] == "" || meta["generated_at"] == nil || page["id"] == nil || page["status_indicator"] == nil || page["status_description"] == nil {
					t.Errorf("meta/page of %s", r.raw)
				}
				if inc, ok := r.body["incident"].(map[string]any); ok {
					ups, _ := inc["incident_updates"].([]any)
					if inc["name"] != "API down" || inc["status"] != "investigating" || len(ups) == 0 || ups[0].(map[string]any)["body"] != "We are looking into API down" {
						t.Errorf("incident body %s", r.raw)
					}
					sawIncident = true
				}
				if cu, ok := r.body["component_update"].(map[string]any); ok {
					comp := r.body["component"].(map[string]any)
					if cu["old_status"] != "operational" || cu["new_status"] != "partial_outage" || cu["component_id"] != "api" ||
						comp["id"] != "api" || comp["status"] != "partial_outage" || comp["name"] != "API" {
						t.Errorf("component body %s", r.raw)
					}
					sawComponent = true
				}
			}
			if !sawIncident || !sawComponent {
				t.Fatalf("incident %v component %v", sawIncident, sawComponent)
			}

			// The link confirms the silent one; the next incident reaches it.
			f.confirmByLink(v["confirm_url"].(string))
			f.incident("Web down", "web")
			f.pass()
			if n := len(silent.requests()); n != 2 {
				t.Fatalf("confirmed by link: %d requests", n)
			}
			if n := len(echo.requests()); n != 3 {
				t.Fatalf("an incident on web reached a subscriber of api: %d requests", n)
			}
		})
	}
}

// TestChatKindsInTheirOwnFormats: Slack, Teams and Discord get a message
// with the confirmation link first, then updates in their own schemas.
func TestChatKindsInTheirOwnFormats(t *testing.T) {
	f := newFixture(t, "sqlite", Options{})
	check := map[string]func(got) string{
		"slack": func(g got) string {
			blocks, _ := g.body["blocks"].([]any)
			if s, _ := g.body["text"].(string); s == "" || len(blocks) == 0 {
				return "slack needs text and blocks"
			}
			return ""
		},
		"teams": func(g got) string {
			atts, _ := g.body["attachments"].([]any)
			if g.body["type"] != "message" || len(atts) != 1 {
				return "teams needs a message with one attachment"
			}
			a := atts[0].(map[string]any)
			card, _ := a["content"].(map[string]any)
			if a["contentType"] != "application/vnd.microsoft.card.adaptive" || card["type"] != "AdaptiveCard" || card["version"] == nil || card["body"] == nil {
				return "teams attachment is not an Adaptive Card"
			}
			return ""
		},
		"discord": func(g got) string {
			embeds, _ := g.body["embeds"].([]any)
			if s, _ := g.body["content"].(string); s == "" || len(s) > 2000 || len(embeds) == 0 {
				return "discord needs content and an embed"
			}
			return ""
		},
	}
	recv := map[string]*receiver{}
	for kind := range check {
		recv[kind] = startReceiver(t, kind)
		f.subscribe(recv[kind])
	}
	f.pass()
	for kind, r := range recv {
		reqs := r.requests()
		if len(reqs) != 1 {
			t.Fatalf("%s: %d requests before confirmation", kind, len(reqs))
		}
		if msg := check[kind](reqs[0]); msg != "" {
			t.Errorf("%s verification: %s: %s", kind, msg, reqs[0].raw)
		}
		i := strings.Index(reqs[0].raw, "https://status.example.com"+ConfirmPath+"/")
		if i < 0 {
			t.Fatalf("%s: no confirmation link in %s", kind, reqs[0].raw)
		}
		link := reqs[0].raw[i:]
		link = link[:strings.IndexAny(link, `"|>\ `)]
		f.confirmByLink(link)
	}
	f.incident("Database failover", "db")
	f.pass()
	for kind, r := range recv {
		reqs := r.requests()
		if len(reqs) != 2 {
			t.Fatalf("%s: %d requests", kind, len(reqs))
		}
		if msg := check[kind](reqs[1]); msg != "" || !strings.Contains(reqs[1].raw, "Database failover") {
			t.Errorf("%s incident: %s: %s", kind, msg, reqs[1].raw)
		}
	}
}

// confirmed subscribes r and confirms it by echo.
func (f *fixture) confirmed(r *receiver) int64 {
	f.t.Helper()
	r.echo = true
	id := f.subscribe(r)
	f.pass()
	if s := f.state(id); s != store.HookConfirmed {
		f.t.Fatalf("not confirmed: %s", s)
	}
	return id
}

// TestDownThenUp: 503s and a refused connection are retried with backoff
// until the receiver answers.
func TestDownThenUp(t *testing.T) {
	f := newFixture(t, "sqlite", Options{BackoffMin: time.Second, BackoffMax: time.Minute})
	r := startReceiver(t, "webhook", 200, 503, 503, 200)
	f.confirmed(r)
	f.incident("Outage", "api")
	if n := f.pass(); n != 0 {
		t.Fatalf("delivered %d on a 503", n)
	}
	if n := f.pass(); n != 0 || len(r.requests()) != 2 {
		t.Fatalf("retried before the backoff: %d requests", len(r.requests()))
	}
	f.clock.add(2 * time.Second)
	f.pass()
	f.clock.add(4 * time.Second)
	if n := f.pass(); n != 1 || len(r.requests()) != 4 {
		t.Fatalf("after the receiver came back: delivered %d, %d requests", n, len(r.requests()))
	}
	reqs := r.requests()
	if reqs[1].header.Get("webhook-id") != reqs[3].header.Get("webhook-id") {
		t.Error("a retry changed the webhook-id")
	}
}

// Test4xxIsNotRetried: a 404 fails the delivery at once; a 5xx is retried.
func Test4xxIsNotRetried(t *testing.T) {
	f := newFixture(t, "sqlite", Options{BackoffMin: time.Second})
	r := startReceiver(t, "webhook", 200, 404)
	f.confirmed(r)
	f.incident("Outage", "api")
	f.pass()
	f.clock.add(time.Hour)
	f.pass()
	if n := len(r.requests()); n != 2 {
		t.Fatalf("a 404 was tried %d times", n-1)
	}
	if n, _ := f.st.PendingHooks(context.Background()); n != 0 {
		t.Fatalf("%d still pending after a 404", n)
	}
}

// TestQuarantineAfterFailures: N failed attempts within the window pause
// the subscription; nothing more is sent and the operator hook is told.
func TestQuarantineAfterFailures(t *testing.T) {
	f := newFixture(t, "sqlite", Options{BackoffMin: time.Second, BackoffMax: time.Second, Quarantine: store.Quarantine{Failures: 3, Window: time.Hour}})
	bad := startReceiver(t, "webhook", 200, 500)
	good := startReceiver(t, "webhook")
	bid, gid := f.confirmed(bad), f.confirmed(good)
	f.incident("Outage", "api")
	for range 5 {
		f.pass()
		f.clock.add(2 * time.Second)
	}
	if s := f.state(bid); s != store.HookQuarantined {
		t.Fatalf("after failures: %s", s)
	}
	if f.state(gid) != store.HookConfirmed || len(f.quar) != 1 || len(f.quar[0]) != 1 || f.quar[0][0] != bid {
		t.Fatalf("quarantine calls %v", f.quar)
	}
	if n := len(bad.requests()); n != 4 {
		t.Fatalf("bad endpoint: %d requests (verification and 3 failures)", n)
	}
	f.incident("Another", "api")
	f.pass()
	if n := len(bad.requests()); n != 4 {
		t.Fatalf("a quarantined endpoint got more: %d", n)
	}
	if n := len(good.requests()); n != 3 {
		t.Fatalf("good endpoint: %d", n)
	}
}

// TestDeliveryRefusesLoopback: without an allow-list a subscription at a
// loopback address (a URL that passed sign-up, then a DNS change, say)
// fails without a connection being opened.
func TestDeliveryRefusesLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	f := newFixture(t, "sqlite", Options{Client: safehttp.New(safehttp.Options{})})
	id, err := f.st.SubscribeHook(context.Background(), store.HookRequest{Kind: "slack", URL: "http://" + ln.Addr().String() + "/x",
		Host: "127.0.0.1", ManageSecret: "m", Lang: "en", ConfirmWithin: time.Hour, MaxPerHost: 10}, f.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	f.pass()
	f.clock.add(time.Hour)
	f.pass()
	if n := conns.Load(); n != 0 {
		t.Fatalf("%d connections to loopback", n)
	}
	if n, _ := f.st.PendingHooks(context.Background()); n != 0 {
		t.Fatalf("a refused address is retried (%d pending)", n)
	}
	if s := f.state(id); s != store.HookPending {
		t.Fatalf("state %s", s)
	}
}

// TestPayloadBounded: a body over MaxPayload is not sent; the delivery
// fails at once.
func TestPayloadBounded(t *testing.T) {
	f := newFixture(t, "sqlite", Options{})
	r := startReceiver(t, "webhook")
	f.confirmed(r)
	cs := map[string]string{"api": "major_outage"}
	if _, err := f.st.CreateIncident(context.Background(), store.Incident{Name: "Huge", Status: "investigating", Impact: "major", Components: cs, Started: f.clock.now()},
		store.IncidentUpdate{Status: "investigating", Body: strings.Repeat("x", MaxPayload), Components: cs, DeliverNotifications: true, At: f.clock.now()},
		store.Actor{Kind: "user", ID: 1, Name: "ops"}, f.clock.now()); err != nil {
		t.Fatal(err)
	}
	f.pass()
	if n := len(r.requests()); n != 1 {
		t.Fatalf("%d requests, want only the verification", n)
	}
	if n, _ := f.st.PendingHooks(context.Background()); n != 0 {
		t.Fatalf("%d pending", n)
	}
}
