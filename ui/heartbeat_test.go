package ui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	beat "github.com/ampelstatus/ampel/pkg/heartbeat"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// heartbeatFixture is a real store, engine, ingest and monitor behind the
// heartbeat URL, with a clock the test moves.
type heartbeatFixture struct {
	h      http.Handler
	st     *store.Store
	engine *state.Engine
	now    time.Time
	token  string
	log    *strings.Builder // the server's log; read after the calls
}

func newHeartbeatFixture(t *testing.T) *heartbeatFixture {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "ampel.toml"), []byte(`
[storage]
path = "ampel.db"
[[components]]
slug = "jobs"
name = "Jobs"
  [[components.checks]]
  name = "backup"
  kind = "heartbeat"
  interval = "1m"
`), []string{"heartbeat"})
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
	f := &heartbeatFixture{st: st, engine: state.New(cfg), now: time.Now().UTC().Truncate(time.Second), token: "ampel_hb_test"}
	in := ingest.New(f.engine, w, nil)
	mon := beat.New(cfg, f.now, in.Handle, w.Flush)
	if _, err := st.CreateToken(ctx, store.Token{Kind: store.TokenHeartbeat, Check: "backup", Name: "backup"}, f.token, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateToken(ctx, store.Token{Kind: store.TokenOperator, Role: store.RoleAdmin, Name: "ops"}, "ampel_op_test", f.now); err != nil {
		t.Fatal(err)
	}
	f.log = &strings.Builder{}
	logger := slog.New(slog.NewTextHandler(f.log, nil))
	f.h = New(Deps{Config: cfg, Engine: f.engine, Store: st, Heartbeats: mon, Started: f.now, Now: func() time.Time { return f.now }, Logger: logger})
	return f
}

func (f *heartbeatFixture) call(method, path, ctype, body, ip string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if ip != "" {
		req.RemoteAddr = ip + ":1234"
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func (f *heartbeatFixture) level(t *testing.T) status.Level {
	t.Helper()
	c, ok := f.engine.Component("jobs")
	if !ok || len(c.Checks) != 1 {
		t.Fatalf("component %+v", c)
	}
	return c.Checks[0].Level
}

func TestHeartbeatCalls(t *testing.T) {
	f := newHeartbeatFixture(t)
	url := HeartbeatPath + f.token
	if rec := f.call(http.MethodGet, url+"?msg=3+files", "", "", ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"up"`) {
		t.Fatalf("GET: %d %s", rec.Code, rec.Body)
	}
	if f.level(t) != status.Up {
		t.Fatalf("level %s after a call", f.level(t))
	}
	f.now = f.now.Add(time.Second)
	if rec := f.call(http.MethodPost, url+"/start", "", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	f.now = f.now.Add(4 * time.Second)
	if rec := f.call(http.MethodPost, url+"/fail", "text/plain", "rsync: disk full\n", ""); rec.Code != http.StatusOK {
		t.Fatalf("fail: %d %s", rec.Code, rec.Body)
	}
	if f.level(t) != status.Down {
		t.Fatalf("level %s after a failure", f.level(t))
	}
	rs, err := f.st.Results(context.Background(), "backup", f.now.Add(-time.Hour), f.now.Add(time.Hour), 10)
	if err != nil || len(rs) != 2 {
		t.Fatalf("stored results %+v, %v", rs, err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, fmt.Sprintf("%s %q %q %s", r.Outcome, r.Reason, r.Detail, r.Duration))
	}
	want := []string{`up "" "3 files" 0s`, `down "job reported a failure" "rsync: disk full" 4s`}
	for _, w := range want {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("stored results %q lack %q", got, w)
		}
	}
	wantAPIError(t, f.call(http.MethodGet, url+"?status=maybe", "", "", ""), http.StatusBadRequest, "status")
	wantAPIError(t, f.call(http.MethodGet, url+"/banana", "", "", ""), http.StatusBadRequest, "path")
	big := strings.Repeat("x", beat.MaxBody+1)
	wantAPIError(t, f.call(http.MethodPost, url, "text/plain", big, ""), http.StatusRequestEntityTooLarge, "body")
}

// TestHeartbeatWrongTokens: a wrong token is 404 and counts against the
// address; a valid token from that address still gets through.
func TestHeartbeatWrongTokens(t *testing.T) {
	f := newHeartbeatFixture(t)
	for _, tok := range []string{"ampel_hb_nope", "ampel_op_test"} {
		wantAPIError(t, f.call(http.MethodGet, HeartbeatPath+tok, "", "", "192.0.2.7"), http.StatusNotFound, "token")
	}
	for range 18 {
		f.call(http.MethodGet, HeartbeatPath+"guess", "", "", "192.0.2.7")
	}
	rec := f.call(http.MethodGet, HeartbeatPath+"guess", "", "", "192.0.2.7")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("21st wrong token: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(http.MethodGet, HeartbeatPath+"guess", "", "", "192.0.2.8"); rec.Code != http.StatusNotFound {
		t.Fatalf("another address: %d", rec.Code)
	}
	if rec := f.call(http.MethodGet, HeartbeatPath+f.token, "", "", "192.0.2.7"); rec.Code != http.StatusOK {
		t.Fatalf("valid token from a blocked address: %d %s", rec.Code, rec.Body)
	}
}

// TestHeartbeatRateLimit: a token may call in a burst, then once a second.
func TestHeartbeatRateLimit(t *testing.T) {
	f := newHeartbeatFixture(t)
	url := HeartbeatPath + f.token
	for i := range heartbeatBurst {
		if rec := f.call(http.MethodGet, url, "", "", ""); rec.Code != http.StatusOK {
			t.Fatalf("call %d of the burst: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	rec := f.call(http.MethodGet, url, "", "", "")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("call past the burst: %d %s (Retry-After %q)", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	f.now = f.now.Add(heartbeatEvery)
	if rec := f.call(http.MethodGet, url, "", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("a second later: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(http.MethodGet, url, "", "", ""); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("again at once: %d", rec.Code)
	}
}

// TestHeartbeatStoreFailureKeepsTheTokenOutOfTheLog: the token is in the
// URL, so a failing lookup is answered 503 and logged without the path.
func TestHeartbeatStoreFailureKeepsTheTokenOutOfTheLog(t *testing.T) {
	f := newHeartbeatFixture(t)
	f.st.Close()
	rec := f.call(http.MethodGet, HeartbeatPath+f.token, "", "", "")
	wantAPIError(t, rec, http.StatusServiceUnavailable, "")
	if f.log.Len() == 0 || strings.Contains(f.log.String(), f.token) {
		t.Fatalf("log %q: want the failure without the token", f.log.String())
	}
}
