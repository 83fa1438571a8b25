package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// seedHooks stores n confirmed webhook subscriptions at url and an
// incident that queues one delivery to each, in its transaction.
func seedHooks(t *testing.T, dir, url string, n int) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	for i := range n {
		id, err := st.SubscribeHook(ctx, store.HookRequest{Kind: store.HookWebhook, URL: url, Host: "127.0.0.1",
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=", ManageSecret: fmt.Sprintf("manage-%d", i),
			Lang: "en", ConfirmWithin: time.Hour, MaxPerHost: n}, now)
		if err != nil {
			t.Fatal(err)
		}
		tok := fmt.Sprintf("confirm-%d", i)
		if err := st.AddHookTokens(ctx, []store.HookToken{{HookID: id, Purpose: store.PurposeConfirm, Secret: tok, Expires: now.Add(time.Hour)}}, now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ConfirmHook(ctx, tok, now); err != nil {
			t.Fatal(err)
		}
	}
	comps := map[string]string{"api": "major_outage"}
	if _, err := st.CreateIncident(ctx, store.Incident{Name: "API down", Status: "investigating", Impact: "major", Components: comps, Started: now},
		store.IncidentUpdate{Status: "investigating", Body: "Looking", Components: comps, DeliverNotifications: true, At: now},
		store.Actor{Kind: "user", ID: 1, Name: "ops"}, now); err != nil {
		t.Fatal(err)
	}
}

// TestSubscriberHooksSurviveSIGKILL kills a real ampel serve while it
// delivers an incident to 300 webhook subscribers through a slow
// receiver, and starts it again: every subscriber gets it (the
// verification requests of the seeded ones are dropped unsent, as they
// are confirmed), with webhook_workers = 1 at most the one in flight at
// the kill twice.
func TestSubscriberHooksSurviveSIGKILL(t *testing.T) {
	const n = 300
	rcv := startHookReceiver(t, 5*time.Millisecond)
	target, _ := flipTarget(t)
	dir := t.TempDir()
	cfgPath := writeAlertsConfig(t, dir, target.URL, "\n[subscriptions]\nwebhook_workers = 1\n")
	seedHooks(t, dir, rcv.URL+"/hook", n)

	cmd, _, _ := startAmpel(t, cfgPath)
	eventually(t, 60*time.Second, "a third of the deliveries made", func() bool {
		ids, _, _ := rcv.got()
		return len(ids) >= n/3
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	atKill, _, _ := rcv.got()
	if len(atKill) >= n {
		t.Fatalf("all %d deliveries were out before the kill: slow the receiver down", len(atKill))
	}

	_, _, stderr := startAmpel(t, cfgPath)
	db := readDB(t, filepath.Join(dir, "ampel.db"))
	eventually(t, 120*time.Second, "every delivery made", func() bool {
		var pending int
		err := db.QueryRow(`SELECT count(*) FROM hook_outbox WHERE sent_at_ms IS NULL AND failed_at_ms IS NULL`).Scan(&pending)
		return err == nil && pending == 0
	})
	ids, bodies, _ := rcv.got()
	distinct := map[string]int{}
	for i, id := range ids {
		distinct[id]++
		if !strings.Contains(bodies[i], `"incident"`) {
			t.Fatalf("not an incident update: %s", bodies[i])
		}
	}
	dups := len(ids) - len(distinct)
	t.Logf("killed after %d of %d deliveries; after the restart %d distinct delivered, %d duplicates", len(atKill), n, len(distinct), dups)
	if len(distinct) != n {
		t.Fatalf("%d distinct deliveries, want %d\n%s", len(distinct), n, stderr.String())
	}
	if dups > 1 {
		t.Errorf("%d duplicates, want at most the one in flight at the kill", dups)
	}
}

// TestSubscriberHookEndToEnd: on a real serve, a webhook subscribed from
// /subscribe (the form, its cookie and token, no JavaScript) is verified
// by echoing the challenge, then gets the component's outage and its
// recovery in Statuspage's component_update body, signed with the
// secret the page showed.
func TestSubscriberHookEndToEnd(t *testing.T) {
	target, failing := flipTarget(t)
	// The verification request can arrive before the sign-up's answer
	// has shown the secret, so signatures are checked at the end.
	type delivery struct {
		header http.Header
		raw    []byte
		body   map[string]any
	}
	var mu sync.Mutex
	var got []delivery
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := delivery{header: r.Header}
		d.raw, _ = io.ReadAll(r.Body)
		json.Unmarshal(d.raw, &d.body)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, d)
		if d.body["type"] == "subscription.verify" {
			fmt.Fprint(w, d.body["challenge"])
		}
	}))
	t.Cleanup(rcv.Close)
	dir := t.TempDir()
	cfgPath := writeAlertsConfig(t, dir, target.URL, "")
	_, base, stderr := startAmpel(t, cfgPath)
	// public_url is https://status.example.com: the browser comes from it.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err := client.Get(base + "/subscribe")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no form token on /subscribe\n%s", page)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/subscribe/hooks", strings.NewReader(url.Values{
		"kind": {"webhook"}, "url": {rcv.URL + "/ampel"}, "csrf": {string(m[1])}, "lang": {"en"}, "component": {"api"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sent, _ := io.ReadAll(res.Body)
	res.Body.Close()
	sm := regexp.MustCompile(`value="(whsec_[^"]+)"`).FindSubmatch(sent)
	if res.StatusCode != http.StatusOK || sm == nil {
		t.Fatalf("sign-up: %d\n%s", res.StatusCode, sent)
	}
	secret := html.UnescapeString(string(sm[1]))
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	eventually(t, 30*time.Second, "the verification request", func() bool { return count() >= 1 })
	// Only a confirmed endpoint is sent updates, and the confirmation
	// commits after the challenge is answered; a move from no data is not
	// sent either (Ampel's own gap, not news): an outage before both
	// would rightly not reach it.
	db := readDB(t, filepath.Join(dir, "ampel.db"))
	eventually(t, 30*time.Second, "the subscription confirmed", func() bool {
		var n int
		return db.QueryRow(`SELECT count(*) FROM hook_subscribers WHERE confirmed_at_ms IS NOT NULL`).Scan(&n) == nil && n == 1
	})
	eventually(t, 30*time.Second, "api observed up", func() bool { return observedUp(t, base, "api") })

	failing.Store(true)
	eventually(t, 30*time.Second, "the outage's component_update", func() bool { return count() >= 2 })
	failing.Store(false)
	eventually(t, 30*time.Second, "the recovery's component_update", func() bool { return count() >= 3 })
	mu.Lock()
	defer mu.Unlock()
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	for _, d := range got {
		mac := hmac.New(sha256.New, key)
		fmt.Fprintf(mac, "%s.%s.%s", d.header.Get("webhook-id"), d.header.Get("webhook-timestamp"), d.raw)
		if d.header.Get("webhook-signature") != "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
			t.Errorf("bad signature on %s", d.raw)
		}
	}
	var moves []string
	for _, d := range got[1:] {
		cu, _ := d.body["component_update"].(map[string]any)
		comp, _ := d.body["component"].(map[string]any)
		if cu == nil || comp["id"] != "api" {
			t.Fatalf("not a component update of api: %v\n%s", d.body, stderr.String())
		}
		moves = append(moves, fmt.Sprint(cu["old_status"], ">", cu["new_status"]))
	}
	if moves[0] != "operational>major_outage" || moves[len(moves)-1] != "major_outage>operational" {
		t.Fatalf("moves %v", moves)
	}
}
