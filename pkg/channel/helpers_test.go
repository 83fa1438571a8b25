package channel

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/pkg/status"
)

// got is one request a receiver took.
type got struct {
	header http.Header
	body   []byte
	path   string
}

// receiver is an httptest server that records what it is sent and
// answers with answer (200 when nil).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []got
}

func startReceiver(t *testing.T, answer http.HandlerFunc) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, got{header: req.Header.Clone(), body: body, path: req.URL.Path})
		r.mu.Unlock()
		if answer != nil {
			answer(w, req)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []got {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]got(nil), r.reqs...)
}

// last returns the only or latest request, failing when there is none.
func (r *receiver) last(t *testing.T) got {
	t.Helper()
	reqs := r.requests()
	if len(reqs) == 0 {
		t.Fatal("the receiver got no request")
	}
	return reqs[len(reqs)-1]
}

// client may reach loopback receivers only: the allow-list opens
// 127.0.0.1, as an operator would open an internal receiver.
func client() *safehttp.Client {
	return safehttp.New(safehttp.Options{Policy: loopbackPolicy, Timeout: 5 * time.Second})
}

var loopbackPolicy = safehttp.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

var at = time.Date(2026, 12, 6, 21, 0, 5, 0, time.UTC)

func outage() Event {
	return Event{
		ID: "01JEXAMPLE0000000000000001", Component: "api", ComponentName: "API", Check: "api-health",
		Zones: []string{"eu-central", "us-east"}, From: status.Up, To: status.Down, Cause: "HTTP 503",
		At: at, Link: "https://status.example.com/components/api",
	}
}

func recovery() Event {
	ev := outage()
	ev.ID = "01JEXAMPLE0000000000000002"
	ev.From, ev.To, ev.Resolved, ev.Cause = status.Down, status.Up, true, ""
	return ev
}

// deliver renders ev for ch and sends it, failing unless delivered.
func deliver(t *testing.T, ch *Channel, ev Event) Attempt {
	t.Helper()
	d, err := ch.Alert(ev, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := Send(context.Background(), client(), d, time.Now)
	if a.Outcome != Delivered {
		t.Fatalf("%s: outcome %v (%d): %v", ch.Kind, a.Outcome, a.Status, a.Err)
	}
	return a
}

// decode parses a JSON body into a generic tree, so tests check the wire
// format rather than our own structs.
func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, b)
	}
	return m
}

// path walks a decoded tree: keys for objects, ints for arrays.
func path(t *testing.T, v any, steps ...any) any {
	t.Helper()
	for _, s := range steps {
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: not an object: %v", k, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("missing key %q in %v", k, m)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at [%d]: not an array that long: %v", k, v)
			}
			v = a[k]
		}
	}
	return v
}

func str(t *testing.T, v any, steps ...any) string {
	t.Helper()
	s, ok := path(t, v, steps...).(string)
	if !ok {
		t.Fatalf("%v: not a string", steps)
	}
	return s
}

func mustLevel(t *testing.T, s string) status.Level {
	t.Helper()
	l, err := status.ParseLevel(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
