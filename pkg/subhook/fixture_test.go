package subhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openStore opens a real store: a SQLite file, or a fresh PostgreSQL
// database on the test's own server.
func openStore(t testing.TB, db string) *store.Store {
	t.Helper()
	ctx := context.Background()
	var st *store.Store
	var err error
	if db == "postgres" {
		st, err = store.OpenPostgres(ctx, pgtest.DB(t), store.PostgresOptions{})
	} else {
		st, err = store.Open(ctx, filepath.Join(t.TempDir(), "ampel.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// got is one request a receiver took, checked against its kind's schema.
type got struct {
	header http.Header
	body   map[string]any
	raw    string
}

// receiver is a real HTTP endpoint of one kind. A webhook receiver checks
// the Standard Webhooks signature with its own implementation of the
// spec (it holds the subscription's secret) and echoes verification
// challenges when echo is set; answers are the status codes to give, one
// per request (the last repeats; 200 when empty).
type receiver struct {
	*httptest.Server
	t       *testing.T
	kind    string
	secret  string
	echo    bool
	mu      sync.Mutex
	reqs    []got
	answers []int
}

func startReceiver(t *testing.T, kind string, answers ...int) *receiver {
	t.Helper()
	r := &receiver{t: t, kind: kind, answers: answers}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(req.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		r.t.Errorf("%s receiver: body is not a JSON object: %v", r.kind, err)
	}
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("%s receiver: %s with Content-Type %q", r.kind, req.Method, req.Header.Get("Content-Type"))
	}
	r.mu.Lock()
	if r.kind == "webhook" {
		if err := verifySignature(r.secret, req.Header, raw, time.Now()); err != nil {
			r.t.Errorf("webhook receiver: %v", err)
		}
	}
	r.reqs = append(r.reqs, got{header: req.Header.Clone(), body: body, raw: string(raw)})
	code := http.StatusOK
	if n := len(r.answers); n > 0 {
		code = r.answers[min(len(r.reqs), n)-1]
	}
	echo := r.echo
	r.mu.Unlock()
	w.WriteHeader(code)
	if echo && body["type"] == TypeVerify {
		fmt.Fprintf(w, `{"challenge": %q}`, body["challenge"])
	}
}

func (r *receiver) requests() []got {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]got(nil), r.reqs...)
}

// verifySignature is the receiving side of the Standard Webhooks spec,
// written from the spec: the key is the base64 after "whsec_"; the
// signed content is "id.timestamp.body"; the header holds
// space-separated "v1,<base64 HMAC-SHA256>"; a timestamp more than five
// minutes off is refused.
func verifySignature(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		return fmt.Errorf("bad secret %q", secret)
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil {
		return fmt.Errorf("webhook-id %q, webhook-timestamp %q", id, ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s off by %s", ts, d)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", id, ts, body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		v, b64, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("no valid v1 signature in %q", h.Get("webhook-signature"))
}

// loopbackClient reaches the test's receivers: loopback opened by the
// allow-list, as an operator's allow_networks would.
func loopbackClient() *safehttp.Client {
	return safehttp.New(safehttp.Options{Policy: safehttp.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, Timeout: 5 * time.Second})
}

// clock is a settable clock for the dispatcher, starting at the wall
// clock (the writer queues at the wall clock).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t     testing.TB
	st    *store.Store
	d     *Dispatcher
	clock *clock
	quar  [][]int64
}

func newFixture(t testing.TB, db string, opt Options) *fixture {
	t.Helper()
	f := &fixture{t: t, st: openStore(t, db), clock: &clock{t: time.Now()}}
	if opt.Client == nil {
		opt.Client = loopbackClient()
	}
	opt.Title, opt.URL, opt.Now = "Example Status", "https://status.example.com", f.clock.now
	opt.OnQuarantine = func(_ context.Context, ids []int64) { f.quar = append(f.quar, ids) }
	opt.Incident = func(ctx context.Context, id, _ int64) (Incident, error) {
		inc, err := f.st.Incident(ctx, id)
		if err != nil {
			return Incident{}, err
		}
		js, _ := json.Marshal(map[string]any{"id": strconv.FormatInt(id, 10), "name": inc.Name, "status": inc.Status,
			"impact": inc.Impact, "incident_updates": []map[string]any{{"body": inc.Updates[len(inc.Updates)-1].Body, "status": inc.Status}}})
		return Incident{JSON: js, Name: inc.Name, Status: inc.Status, Impact: inc.Impact, Body: inc.Updates[len(inc.Updates)-1].Body,
			Link: "https://status.example.com/incidents/" + strconv.FormatInt(id, 10)}, nil
	}
	opt.Component = func(slug string) channel.SPComponent {
		return channel.SPComponent{ID: slug, PageID: "status-example-com", Name: strings.ToUpper(slug), Status: "operational"}
	}
	f.d = New(f.st, opt)
	return f
}

// subscribe signs r's URL up for comps.
func (f *fixture) subscribe(r *receiver, comps ...string) int64 {
	f.t.Helper()
	req := store.HookRequest{Kind: r.kind, URL: r.URL + "/hook", Host: "127.0.0.1", ManageSecret: "manage-" + r.URL,
		Lang: "en", Components: comps, ConfirmWithin: 48 * time.Hour, MaxPerHost: 100}
	if r.kind == "webhook" {
		req.Secret = channel.NewSecret()
		r.secret = req.Secret
	}
	id, err := f.st.SubscribeHook(context.Background(), req, f.clock.now())
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) pass() int {
	f.t.Helper()
	n, err := f.d.RunOnce(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// incident opens an incident on comps, notifying subscribers.
func (f *fixture) incident(name string, comps ...string) int64 {
	f.t.Helper()
	cs := map[string]string{}
	for _, c := range comps {
		cs[c] = "major_outage"
	}
	inc, err := f.st.CreateIncident(context.Background(), store.Incident{Name: name, Status: "investigating", Impact: "major", Components: cs, Started: f.clock.now()},
		store.IncidentUpdate{Status: "investigating", Body: "We are looking into " + name, Components: cs, DeliverNotifications: true, At: f.clock.now()},
		store.Actor{Kind: "user", ID: 1, Name: "ops"}, f.clock.now())
	if err != nil {
		f.t.Fatal(err)
	}
	return inc.ID
}

// confirmByLink confirms as a person opening the link in the
// verification request would.
func (f *fixture) confirmByLink(link string) {
	f.t.Helper()
	_, tok, ok := strings.Cut(link, ConfirmPath+"/")
	if !ok {
		f.t.Fatalf("no token in %q", link)
	}
	if _, err := f.st.ConfirmHook(context.Background(), tok, f.clock.now()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) state(id int64) string {
	f.t.Helper()
	h, err := f.st.Hook(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return h.State
}
