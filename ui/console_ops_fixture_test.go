package ui

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/pkg/overlay"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// opsServer is the whole handler over a real temporary store, served over
// TLS (the console's cookies are Secure), with what operators say laid
// over the components as cmd/ampel does it, and a clock the test moves.
type opsServer struct {
	t      *testing.T
	srv    *httptest.Server
	st     *store.Store
	engine *state.Engine
	now    atomic.Pointer[time.Time]
	// client is a signed-in browser: cookie jar, redirects not followed.
	client *http.Client
}

func newOpsServer(t *testing.T) *opsServer {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	o := &opsServer{t: t, st: st}
	now := t0
	o.now.Store(&now)
	cfg := testConfig(t)
	o.engine = state.New(cfg)
	clock := func() time.Time { return *o.now.Load() }
	h := New(Deps{Config: cfg, Engine: o.engine, Store: st, Started: t0, Now: clock,
		OnIncidentChange: func(ctx context.Context) {
			ov, err := overlay.Load(ctx, st)
			if err != nil {
				t.Errorf("overlay: %v", err)
				return
			}
			o.engine.SetOverrides(ov, clock())
		}})
	o.srv = httptest.NewTLSServer(h)
	t.Cleanup(o.srv.Close)
	o.client = o.newClient()
	return o
}

func (o *opsServer) advance(d time.Duration) {
	n := o.now.Load().Add(d)
	o.now.Store(&n)
}

// newClient is a browser of its own: a cookie jar, trusting the test
// server's certificate, and not following redirects (tests check them).
func (o *opsServer) newClient() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		o.t.Fatal(err)
	}
	return &http.Client{Jar: jar, Transport: o.srv.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// addUser creates an account through the store, as ampel user add does.
func (o *opsServer) addUser(email, role, pw string) {
	o.t.Helper()
	h, err := auth.HashPassword(context.Background(), pw, fastParams)
	if err != nil {
		o.t.Fatal(err)
	}
	if _, err := o.st.CreateUser(context.Background(), email, role, h, store.Actor{Kind: store.ActorCLI, Name: "cli:test"}, t0); err != nil {
		o.t.Fatal(err)
	}
}

// get fetches path and returns the status and body.
func (o *opsServer) get(path string) (int, string) {
	o.t.Helper()
	res, err := o.client.Get(o.srv.URL + path)
	if err != nil {
		o.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		o.t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// submit loads page, takes the CSRF token of its forms and posts form to
// action as the browser would; it returns the status, the Location and
// the body.
func (o *opsServer) submit(page, action string, form url.Values) (int, string, string) {
	o.t.Helper()
	code, body := o.get(page)
	m := csrfInput.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		o.t.Fatalf("GET %s: %d, no CSRF token in\n%s", page, code, body)
	}
	form.Set("csrf", m[1])
	res, err := o.client.PostForm(o.srv.URL+action, form)
	if err != nil {
		o.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		o.t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// login signs in through the login form.
func (o *opsServer) login(email, pw string) {
	o.t.Helper()
	code, loc, body := o.submit("/admin/login", "/admin/login", url.Values{"email": {email}, "password": {pw}})
	if code != http.StatusSeeOther || loc != "/admin" {
		o.t.Fatalf("login: %d %s\n%s", code, loc, body)
	}
}

// summary fetches /api/v2/summary.json.
func (o *opsServer) summary() summaryDoc {
	o.t.Helper()
	code, body := o.get("/api/v2/summary.json")
	var s summaryDoc
	if err := json.Unmarshal([]byte(body), &s); code != 200 || err != nil {
		o.t.Fatalf("summary.json: %d %v\n%s", code, err, body)
	}
	return s
}

// summaryDoc is what the tests read of summary.json.
type summaryDoc struct {
	Components []struct {
		ID, Name, Status string
	} `json:"components"`
	Incidents []struct {
		ID, Name, Status, Impact string
		Updates                  []struct{ Status, Body string } `json:"incident_updates"`
	} `json:"incidents"`
	Maintenances []struct {
		ID, Name, Status string
	} `json:"scheduled_maintenances"`
}

// component returns a component's status in the summary.
func (s summaryDoc) component(id string) string {
	for _, c := range s.Components {
		if c.ID == id {
			return c.Status
		}
	}
	return "(missing)"
}

// before reports whether a occurs in s before b (both present).
func before(s, a, b string) bool {
	i, j := strings.Index(s, a), strings.Index(s, b)
	return i >= 0 && j >= 0 && i < j
}
