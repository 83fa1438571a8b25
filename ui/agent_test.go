package ui

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/agent"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/remote"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// agentFixture is a real store, engine and ingest behind the agent API.
type agentFixture struct {
	h        http.Handler
	receiver *remote.Receiver
	st       *store.Store
	engine   *state.Engine
	now      time.Time
	tokens   map[string]string // zone → token

	// ingested is every result ingest took, in order; guarded by mu.
	mu       sync.Mutex
	ingested []status.Result
}

func (f *agentFixture) seen() []status.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]status.Result(nil), f.ingested...)
}

func newAgentFixture(t testing.TB) *agentFixture {
	t.Helper()
	dir := t.TempDir()
	secret := filepath.Join(dir, "bearer")
	if err := os.WriteFile(secret, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	toml := fmt.Sprintf(`
[site]
title = "T"
[storage]
path = "ampel.db"
[[zones]]
name = "eu"
kind = "remote"
[[zones]]
name = "us"
kind = "remote"
[[zones]]
name = "local"
kind = "local"
[[components]]
slug = "api"
name = "API"
  [[components.checks]]
  name = "api-health"
  kind = "http"
  target = "http://127.0.0.1:1/health"
  zones = ["eu", "us"]
    [components.checks.http]
    bearer_token_file = %q
  [[components.checks]]
  name = "us-only"
  kind = "tcp"
  target = "127.0.0.1:1"
  zones = ["us", "local"]
`, secret)
	cfg, err := config.Parse(filepath.Join(dir, "ampel.toml"), []byte(toml), []string{"http", "tcp"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, cfg.Storage.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := st.StartWriter(store.WriterOptions{})
	t.Cleanup(func() { w.Close(context.Background()) })
	f := &agentFixture{st: st, engine: state.New(cfg), now: time.Now().UTC().Truncate(time.Second), tokens: map[string]string{}}
	in := ingest.New(f.engine, w, func(r status.Result, _ []status.Change) {
		f.mu.Lock()
		f.ingested = append(f.ingested, r)
		f.mu.Unlock()
	})
	r, err := remote.New(remote.Options{Config: cfg, Store: st, Writer: w, Ingest: in, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range []string{"eu", "us"} {
		f.tokens[z] = remote.TokenPrefix + "test-" + z
		if _, err := st.CreateToken(ctx, store.Token{Kind: store.TokenZone, Zone: z, Name: z}, f.tokens[z], f.now); err != nil {
			t.Fatal(err)
		}
	}
	f.receiver = r
	f.h = New(Deps{Config: cfg, Engine: f.engine, Agents: r, Started: f.now, Now: func() time.Time { return f.now }})
	return f
}

func (f *agentFixture) do(method, path, token string, body []byte, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func (f *agentFixture) push(t *testing.T, zone string, p agent.Push) *httptest.ResponseRecorder {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return f.do(http.MethodPost, agent.ResultsPath, f.tokens[zone], b, nil)
}

func wantAPIError(t *testing.T, rec *httptest.ResponseRecorder, code int, field string) {
	t.Helper()
	var e apiError
	if rec.Code != code || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" || e.Field != field {
		t.Fatalf("got %d %s, want %d with field %q", rec.Code, rec.Body, code, field)
	}
}

func TestAgentChecksPerZoneWithETag(t *testing.T) {
	f := newAgentFixture(t)
	rec := f.do(http.MethodGet, agent.ChecksPath+"?zone=eu", f.tokens["eu"], nil, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("checks: %d %s", rec.Code, rec.Body)
	}
	var cs agent.Checks
	if err := json.Unmarshal(rec.Body.Bytes(), &cs); err != nil {
		t.Fatal(err)
	}
	if cs.Zone != "eu" || len(cs.Checks) != 1 || cs.Checks[0].Name != "api-health" {
		t.Fatalf("eu checks: %+v", cs)
	}
	h := cs.Checks[0].HTTP
	if h == nil || h.BearerToken != "from-a-file" || h.BearerTokenFile != "" || cs.Checks[0].Interval.D() != time.Minute {
		t.Fatalf("secret file not inlined or defaults lost: %+v", h)
	}
	etag := rec.Header().Get("ETag")
	// Agents ask for gzip: the same list, compressed, under the same tag.
	zrec := f.do(http.MethodGet, agent.ChecksPath+"?zone=eu", f.tokens["eu"], nil, map[string]string{"Accept-Encoding": "gzip"})
	if zrec.Code != http.StatusOK || zrec.Header().Get("Content-Encoding") != "gzip" || zrec.Header().Get("ETag") != etag ||
		!strings.Contains(zrec.Header().Get("Vary"), "Accept-Encoding") || rec.Header().Get("Content-Encoding") != "" {
		t.Fatalf("gzip pull: %d %v (plain: %v)", zrec.Code, zrec.Header(), rec.Header())
	}
	zr, err := gzip.NewReader(zrec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, rec.Body.Bytes()) {
		t.Fatalf("gzipped list differs from the plain one: %v\n%s", err, plain)
	}
	if rec := f.do(http.MethodGet, agent.ChecksPath+"?zone=eu", f.tokens["eu"], nil, map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified {
		t.Fatalf("same etag: %d", rec.Code)
	}
	rec = f.do(http.MethodGet, agent.ChecksPath, f.tokens["us"], nil, map[string]string{"If-None-Match": etag})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"us-only"`) {
		t.Fatalf("us checks: %d %s", rec.Code, rec.Body)
	}
	// A token reads only its own zone.
	wantAPIError(t, f.do(http.MethodGet, agent.ChecksPath+"?zone=us", f.tokens["eu"], nil, nil), http.StatusForbidden, "zone")
	wantAPIError(t, f.do(http.MethodGet, agent.ChecksPath, "", nil, nil), http.StatusUnauthorized, "")
	wantAPIError(t, f.do(http.MethodGet, agent.ChecksPath, "ampel_zone_wrong", nil, nil), http.StatusUnauthorized, "")
}

func (f *agentFixture) results(zone string, from, to int64) []agent.Result {
	var rs []agent.Result
	for seq := from; seq <= to; seq++ {
		rs = append(rs, agent.Result{Seq: seq, Check: "api-health", Start: f.now.Add(time.Duration(seq-30) * time.Second), DurationUS: 1500, Outcome: "up"})
	}
	return rs
}

func TestAgentPushIsIdempotentAndCountsGaps(t *testing.T) {
	f := newAgentFixture(t)
	ctx := context.Background()
	p := agent.Push{Agent: "a1", Zone: "eu", SentAt: f.now, SpoolDepth: 3, Results: f.results("eu", 1, 3)}
	ack := func(rec *httptest.ResponseRecorder) int64 {
		t.Helper()
		var a agent.Ack
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &a) != nil {
			t.Fatalf("push: %d %s", rec.Code, rec.Body)
		}
		return a.Acked
	}
	if got := ack(f.push(t, "eu", p)); got != 3 {
		t.Fatalf("acked %d, want 3", got)
	}
	// The same batch again (the answer was lost): acknowledged, not stored
	// twice, not applied twice.
	if got := ack(f.push(t, "eu", p)); got != 3 {
		t.Fatalf("resend acked %d, want 3", got)
	}
	// 4 and 5 were dropped by the agent's spool: a gap of 2.
	p.Results = f.results("eu", 6, 7)
	if got := ack(f.push(t, "eu", p)); got != 7 {
		t.Fatalf("acked %d, want 7", got)
	}
	rs, err := f.st.Results(ctx, "api-health", time.Unix(0, 0), f.now.Add(time.Hour), 100)
	if err != nil || len(rs) != 5 {
		t.Fatalf("stored %d results (%v), want 5", len(rs), err)
	}
	a, ok, err := f.st.Agent(ctx, "a1")
	if err != nil || !ok || a.AckedSeq != 7 || a.Results != 5 || a.Resent != 3 || a.Gap != 2 || a.SpoolDepth != 3 {
		t.Fatalf("agent row %+v %v", a, err)
	}
	// The agent id is bound to its zone.
	p.Zone = "us"
	wantAPIError(t, f.push(t, "us", p), http.StatusConflict, "agent")
	// A token pushes only for its own zone.
	wantAPIError(t, f.push(t, "eu", agent.Push{Agent: "a2", Zone: "us", SentAt: f.now}), http.StatusForbidden, "zone")
}

func TestAgentPushRejectsWhatCannotBeTrue(t *testing.T) {
	f := newAgentFixture(t)
	ctx := context.Background()
	rs := []agent.Result{
		{Seq: 1, Check: "us-only", Start: f.now, Outcome: "down"},                       // not assigned to eu
		{Seq: 2, Check: "api-health", Start: f.now.Add(2 * time.Minute), Outcome: "up"}, // from the future
		{Seq: 3, Check: "api-health", Start: f.now, Outcome: "maintenance"},             // not a probe outcome
		{Seq: 4, Check: "api-health", Start: f.now.Add(-10 * time.Second), Outcome: "down", Reason: "HTTP 503"},
	}
	rec := f.push(t, "eu", agent.Push{Agent: "skewed", Zone: "eu", SentAt: f.now.Add(2 * time.Minute), Results: rs})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"acked":4`) {
		t.Fatalf("push: %d %s", rec.Code, rec.Body)
	}
	a, _, err := f.st.Agent(ctx, "skewed")
	if err != nil || a.Rejected != 3 || a.Results != 1 || a.ClockOffset != 2*time.Minute {
		t.Fatalf("agent row %+v %v", a, err)
	}
	c, _ := f.engine.Component("api")
	if c.Checks[0].Zones[0].Last.Reason != "HTTP 503" {
		t.Fatalf("accepted result not applied: %+v", c.Checks[0].Zones[0])
	}
}

func TestAgentPushBadInput(t *testing.T) {
	f := newAgentFixture(t)
	tok := f.tokens["eu"]
	wantAPIError(t, f.do(http.MethodPost, agent.ResultsPath, tok, []byte(`{"agent":`), nil), http.StatusBadRequest, "")
	wantAPIError(t, f.do(http.MethodPost, agent.ResultsPath, tok, nil, nil), http.StatusBadRequest, "")
	wantAPIError(t, f.do(http.MethodPost, agent.ResultsPath, tok, []byte(`{"agent":"a","zone":"eu","sent_at":"2026-01-01T00:00:00Z","results":[{"seq":"x"}]}`), nil), http.StatusBadRequest, "results.seq")
	wantAPIError(t, f.do(http.MethodPost, agent.ResultsPath, tok, []byte(`{"agent":"a","zone":"eu","sent_at":"2026-01-01T00:00:00Z","results":[{"seq":1,"value":"high"}]}`), nil), http.StatusBadRequest, "results.value")
	wantAPIError(t, f.do(http.MethodPost, agent.ResultsPath, tok, []byte(`{"agent":"a","zone":"eu","sent_at":"2026-01-01T00:00:00Z","results":[{"seq":1,"value":1e999}]}`), nil), http.StatusBadRequest, "results.value")
	wantAPIError(t, f.push(t, "eu", agent.Push{Agent: "bad id!", Zone: "eu", SentAt: f.now}), http.StatusBadRequest, "agent")
	wantAPIError(t, f.push(t, "eu", agent.Push{Agent: "a", Zone: "eu"}), http.StatusBadRequest, "sent_at")
	wantAPIError(t, f.push(t, "eu", agent.Push{Agent: "a", Zone: "eu", SentAt: f.now, Results: []agent.Result{{Seq: 0}}}), http.StatusBadRequest, "results[0].seq")
	big := make([]agent.Result, agent.MaxPushResults+1)
	wantAPIError(t, f.push(t, "eu", agent.Push{Agent: "a", Zone: "eu", SentAt: f.now, Results: big}), http.StatusRequestEntityTooLarge, "results")
	huge := bytes.Repeat([]byte(" "), maxPushBytes+1)
	wantAPIError(t, f.do(http.MethodPost, agent.ResultsPath, tok, huge, nil), http.StatusRequestEntityTooLarge, "results")
}

// FuzzAgentPush: no push body makes the server fail (5xx) or panic.
func FuzzAgentPush(f *testing.F) {
	fx := newAgentFixture(f)
	f.Add([]byte(`{"agent":"a","zone":"eu","sent_at":"2026-01-01T00:00:00Z","results":[{"seq":1,"check":"api-health","start":"2026-01-01T00:00:00Z","outcome":"up"}]}`))
	f.Add([]byte(`{"agent":"a","zone":"eu","sent_at":"2026-01-01T00:00:00Z","results":[{"seq":9,"check":"us-only","outcome":"down","duration_us":-5}]}`))
	f.Add([]byte(`{"results":null}`))
	// A huge sequence, then a rejected result: the gap counter once
	// overflowed into a permanent 503 (issue 15).
	f.Add([]byte(`{"agent":"h","zone":"eu","sent_at":"2026-01-01T00:00:00Z","results":[{"seq":9223372036854775807,"check":"api-health","start":"2026-01-01T00:00:00Z","outcome":"up"}]}`))
	f.Add([]byte(`{"agent":"h","zone":"eu","sent_at":"2026-01-01T00:00:00Z","results":[{"seq":9007199254740991,"check":"api-health","start":"2026-01-01T00:00:00Z","outcome":"up"}]}`))
	f.Add([]byte(`{"agent":"h","zone":"eu","sent_at":"2026-01-01T00:00:00Z","results":[{"seq":1,"check":"us-only","outcome":"down"}]}`))
	f.Add([]byte(`{"agent":"h","zone":"eu","sent_at":"2026-01-01T00:00:00Z","results":[{"seq":2,"check":"us-only","outcome":"down"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fx.do(http.MethodPost, agent.ResultsPath, fx.tokens["eu"], body, nil)
		if rec.Code >= 500 {
			t.Fatalf("%d %s for %q", rec.Code, rec.Body, body)
		}
	})
}

func TestAgentPushRefusedWhileStopping(t *testing.T) {
	f := newAgentFixture(t)
	rec := f.push(t, "eu", agent.Push{Agent: "a", Zone: "eu", SentAt: f.now, Results: f.results("eu", 1, 1)})
	if rec.Code != http.StatusOK {
		t.Fatalf("push: %d", rec.Code)
	}
	f.receiver.Stop()
	rec = f.push(t, "eu", agent.Push{Agent: "a", Zone: "eu", SentAt: f.now, Results: f.results("eu", 2, 2)})
	wantAPIError(t, rec, http.StatusServiceUnavailable, "")
	if rec.Header().Get("Retry-After") != "5" {
		t.Fatalf("Retry-After %q, want 5", rec.Header().Get("Retry-After"))
	}
}

func TestAgentWrongTokensAreLimited(t *testing.T) {
	f := newAgentFixture(t)
	for i := range 20 {
		if rec := f.do(http.MethodGet, agent.ChecksPath, "ampel_zone_guess", nil, nil); rec.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, rec.Code)
		}
	}
	rec := f.do(http.MethodGet, agent.ChecksPath, "ampel_zone_guess", nil, nil)
	wantAPIError(t, rec, http.StatusTooManyRequests, "")
	if rec.Header().Get("Retry-After") != "60" {
		t.Fatalf("Retry-After %q", rec.Header().Get("Retry-After"))
	}
}

// TestAgentWrongTokensDoNotBlockValidOnes: a stranger sending wrong
// tokens from the agents' address (one proxy in front of them all) is
// limited, but the agents' valid tokens from that address still work.
func TestAgentWrongTokensDoNotBlockValidOnes(t *testing.T) {
	f := newAgentFixture(t)
	for range 30 {
		f.do(http.MethodGet, agent.ChecksPath, "ampel_zone_guess", nil, nil)
	}
	wantAPIError(t, f.do(http.MethodGet, agent.ChecksPath, "ampel_zone_guess", nil, nil), http.StatusTooManyRequests, "")
	if rec := f.do(http.MethodGet, agent.ChecksPath, f.tokens["eu"], nil, nil); rec.Code != http.StatusOK {
		t.Fatalf("a valid token after the stranger's guesses: %d %s", rec.Code, rec.Body)
	}
	if rec := f.push(t, "us", agent.Push{Agent: "a", Zone: "us", SentAt: f.now, Results: f.results("us", 1, 1)}); rec.Code != http.StatusOK {
		t.Fatalf("a push with a valid token after the stranger's guesses: %d %s", rec.Code, rec.Body)
	}
	// The guesser is still refused, until its minute is over.
	f.now = f.now.Add(59 * time.Second)
	rec := f.do(http.MethodGet, agent.ChecksPath, "ampel_zone_guess", nil, nil)
	wantAPIError(t, rec, http.StatusTooManyRequests, "")
	if rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q a second before the window ends", rec.Header().Get("Retry-After"))
	}
	f.now = f.now.Add(time.Second)
	wantAPIError(t, f.do(http.MethodGet, agent.ChecksPath, "ampel_zone_guess", nil, nil), http.StatusUnauthorized, "")
}

// TestAgentBearerSchemeIsCaseInsensitive: RFC 9110 §11.1.
func TestAgentBearerSchemeIsCaseInsensitive(t *testing.T) {
	f := newAgentFixture(t)
	for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
		rec := f.do(http.MethodGet, agent.ChecksPath, "", nil, map[string]string{"Authorization": scheme + " " + f.tokens["eu"]})
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", scheme, rec.Code, rec.Body)
		}
	}
}

// TestAgentWrongTokensAreLimitedPerIPv6Prefix: an IPv6 client holds a
// whole /64, so rotating addresses inside it must not reset the count,
// while a neighbouring /64 keeps its own.
func TestAgentWrongTokensAreLimitedPerIPv6Prefix(t *testing.T) {
	f := newAgentFixture(t)
	guess := func(addr string) int {
		req := httptest.NewRequest(http.MethodGet, agent.ChecksPath, nil)
		req.RemoteAddr = addr
		req.Header.Set("Authorization", "Bearer ampel_zone_guess")
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := range 20 {
		if code := guess(fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1)); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if code := guess("[2001:db8:1:2:ffff::1]:4000"); code != http.StatusTooManyRequests {
		t.Fatalf("a new address in the same /64 got %d, want 429", code)
	}
	if code := guess("[2001:db8:1:3::1]:4000"); code != http.StatusUnauthorized {
		t.Fatalf("the neighbouring /64 got %d, want its own count (401)", code)
	}
}

// TestAgentPushStoresValue: a remote zone's measured values arrive in the
// store like a local zone's.
func TestAgentPushStoresValue(t *testing.T) {
	f := newAgentFixture(t)
	v := 0.125
	rs := f.results("eu", 1, 2)
	rs[0].Value = &v
	if rec := f.push(t, "eu", agent.Push{Agent: "a1", Zone: "eu", SentAt: f.now, Results: rs}); rec.Code != http.StatusOK {
		t.Fatalf("push: %d %s", rec.Code, rec.Body)
	}
	got, err := f.st.Results(context.Background(), "api-health", time.Unix(0, 0), f.now.Add(time.Hour), 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("stored %+v %v", got, err)
	}
	// Newest first: seq 2 has no value, seq 1 has 0.125.
	if got[0].HasValue || !got[1].HasValue || got[1].Value != v {
		t.Fatalf("values not carried: %+v", got)
	}
}

// TestAgentPushSequenceBounds: a sequence beyond what an agent can reach
// is refused naming the field, and an agent whose row already holds the
// largest sequence (written before the bound existed) keeps being served:
// the gap arithmetic never overflows into a permanent 503.
func TestAgentPushSequenceBounds(t *testing.T) {
	f := newAgentFixture(t)
	ctx := context.Background()
	rejected := agent.Result{Check: "us-only", Start: f.now, Outcome: "down"} // not assigned to eu
	huge := f.results("eu", 1, 1)[0]
	huge.Seq = math.MaxInt64
	wantAPIError(t, f.push(t, "eu", agent.Push{Agent: "big", Zone: "eu", SentAt: f.now, Results: []agent.Result{huge}}), http.StatusBadRequest, "results[0].seq")
	huge.Seq = agent.MaxSeq + 1
	wantAPIError(t, f.push(t, "eu", agent.Push{Agent: "big", Zone: "eu", SentAt: f.now, Results: []agent.Result{huge}}), http.StatusBadRequest, "results[0].seq")
	// The largest sequence is taken; a rejected result after it is a resend.
	huge.Seq = agent.MaxSeq
	if rec := f.push(t, "eu", agent.Push{Agent: "big", Zone: "eu", SentAt: f.now, Results: []agent.Result{huge}}); rec.Code != http.StatusOK {
		t.Fatalf("push of the largest sequence: %d %s", rec.Code, rec.Body)
	}
	rejected.Seq = 1
	if rec := f.push(t, "eu", agent.Push{Agent: "big", Zone: "eu", SentAt: f.now, Results: []agent.Result{rejected}}); rec.Code != http.StatusOK {
		t.Fatalf("push after the largest sequence: %d %s", rec.Code, rec.Body)
	}

	// A row poisoned before the bound: acknowledged up to 2^63-1, with a
	// gap counter near its limit.
	if err := f.st.RecordAgentPush(ctx, "old", "eu", store.AgentPush{AckedSeq: math.MaxInt64, Gap: math.MaxInt64 - 1, Received: f.now, AgentSentAt: f.now}); err != nil {
		t.Fatal(err)
	}
	for seq := int64(1); seq <= 3; seq++ {
		rejected.Seq = seq
		rec := f.push(t, "eu", agent.Push{Agent: "old", Zone: "eu", SentAt: f.now, Results: []agent.Result{rejected}})
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), fmt.Sprintf(`"acked":%d`, int64(math.MaxInt64))) {
			t.Fatalf("push %d to a poisoned row: %d %s", seq, rec.Code, rec.Body)
		}
	}
	// A fresh agent with a large jump: the gap is counted exactly.
	jump := f.results("eu", 1, 1)[0]
	jump.Seq = agent.MaxSeq
	rejected.Seq = 1
	if rec := f.push(t, "eu", agent.Push{Agent: "jump", Zone: "eu", SentAt: f.now, Results: []agent.Result{rejected, jump}}); rec.Code != http.StatusOK {
		t.Fatalf("push with a jump: %d %s", rec.Code, rec.Body)
	}
	a, _, err := f.st.Agent(ctx, "jump")
	if err != nil || a.AckedSeq != agent.MaxSeq || a.Gap != agent.MaxSeq-2 || a.Rejected != 1 || a.Results != 1 {
		t.Fatalf("agent row %+v %v", a, err)
	}
	// The gap counter saturates instead of overflowing.
	if err := f.st.RecordAgentPush(ctx, "jump", "eu", store.AgentPush{AckedSeq: agent.MaxSeq, Gap: math.MaxInt64, Received: f.now, AgentSentAt: f.now}); err != nil {
		t.Fatalf("gap counter overflow: %v", err)
	}
	if a, _, _ := f.st.Agent(ctx, "jump"); a.Gap != math.MaxInt64 {
		t.Fatalf("gap %d, want it saturated at 2^63-1", a.Gap)
	}
}

// TestAgentPushCarriesNotice: an agent's operator notice (a certificate
// expiring) reaches ingest with its result, and an agent older than the
// notice, whose results have no such field, is still accepted, its
// results without one.
func TestAgentPushCarriesNotice(t *testing.T) {
	f := newAgentFixture(t)
	rs := f.results("eu", 1, 1)
	rs[0].Notice = "certificate expires in 3 days: certificate \"api\""
	if rec := f.push(t, "eu", agent.Push{Agent: "a1", Zone: "eu", SentAt: f.now, Results: rs}); rec.Code != http.StatusOK {
		t.Fatalf("push: %d %s", rec.Code, rec.Body)
	}
	// The body an agent of the release before the notice sends: the
	// same fields, none named notice.
	old := fmt.Sprintf(`{"agent":"a2","zone":"eu","version":"0.9.0","sent_at":%q,"spool_depth":1,"spool_dropped":0,
		"results":[{"seq":1,"check":"api-health","start":%q,"duration_us":1500,"outcome":"up"}]}`,
		f.now.Format(time.RFC3339Nano), f.now.Add(-10*time.Second).Format(time.RFC3339Nano))
	rec := f.do(http.MethodPost, agent.ResultsPath, f.tokens["eu"], []byte(old), nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"acked":1`) {
		t.Fatalf("old agent's push: %d %s", rec.Code, rec.Body)
	}
	got := f.seen()
	if len(got) != 2 || got[0].Notice != rs[0].Notice || got[1].Notice != "" || got[1].Outcome != status.Up {
		t.Fatalf("ingested %+v, want the notice of the first and none on the old agent's", got)
	}
}
