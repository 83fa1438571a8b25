package alert

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// testSecret is a Standard Webhooks secret (32 bytes).
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo="

// request is one request a receiver took.
type request struct {
	header http.Header
	body   string
}

// receiver is a real HTTP server answering with the codes in answers, one
// per request (the last repeats; 200 when empty).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []request
	answers []int
}

func startReceiver(t *testing.T, answers ...int) *receiver {
	t.Helper()
	r := &receiver{answers: answers}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, request{header: req.Header.Clone(), body: string(body)})
	code := http.StatusOK
	if n := len(r.answers); n > 0 {
		code = r.answers[min(len(r.reqs), n)-1]
	}
	r.mu.Unlock()
	w.WriteHeader(code)
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

// clock is a settable clock for the dispatcher.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a real store with a writer routing by a real config, and a
// dispatcher on a settable clock.
type fixture struct {
	t     *testing.T
	st    *store.Store
	w     *store.Writer
	d     *Dispatcher
	clock *clock
	cfg   *config.Config
	mu    sync.Mutex
	given []string // channels of alerts given up; guarded by mu
}

// loopbackClient may reach the test's receivers on 127.0.0.1.
func loopbackClient(timeout time.Duration) *safehttp.Client {
	return safehttp.New(safehttp.Options{Timeout: timeout,
		Policy: safehttp.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}})
}

// channelTOML is one [[alerts.channels]] table for kind at url.
func channelTOML(dir, name, kind, url string) string {
	switch kind {
	case "webhook":
		os.WriteFile(filepath.Join(dir, name+".whsec"), []byte(testSecret+"\n"), 0o600)
		return fmt.Sprintf("[[alerts.channels]]\nname = %q\nkind = \"webhook\"\nurl = %q\nsecret_file = %q\n", name, url, filepath.Join(dir, name+".whsec"))
	case "pagerduty":
		os.WriteFile(filepath.Join(dir, name+".key"), []byte("ROUTINGKEY0123456789\n"), 0o600)
		return fmt.Sprintf("[[alerts.channels]]\nname = %q\nkind = \"pagerduty\"\nurl = %q\nrouting_key_file = %q\n", name, url, filepath.Join(dir, name+".key"))
	case "ntfy":
		return fmt.Sprintf("[[alerts.channels]]\nname = %q\nkind = \"ntfy\"\nurl = %q\n", name, url)
	}
	os.WriteFile(filepath.Join(dir, name+".url"), []byte(url+"\n"), 0o600)
	return fmt.Sprintf("[[alerts.channels]]\nname = %q\nkind = %q\nurl_file = %q\n", name, kind, filepath.Join(dir, name+".url"))
}

// newFixture loads a config of components api, web, db (a check each)
// with extra appended (channels, rules, [alerts] settings).
func newFixture(t *testing.T, extra string, opt Options) *fixture {
	t.Helper()
	dir := t.TempDir()
	var doc strings.Builder
	doc.WriteString("[site]\ntitle = \"Example Status\"\npublic_url = \"https://status.example.com\"\n")
	for _, c := range []string{"api", "web", "db"} {
		fmt.Fprintf(&doc, "[[components]]\nslug = %q\nname = %q\n  [[components.checks]]\n  name = \"%s-health\"\n  kind = \"tcp\"\n  target = \"127.0.0.1:1\"\n",
			c, strings.ToUpper(c), c)
	}
	doc.WriteString(extra)
	cfg, err := config.Parse(filepath.Join(dir, "ampel.toml"), []byte(doc.String()), []string{"tcp"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	targets, err := Targets(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, st: st, cfg: cfg, clock: &clock{t: time.Now().Truncate(time.Millisecond)}}
	f.w = st.StartWriter(store.WriterOptions{Alerts: Router(cfg)})
	opt.Targets = targets
	if opt.Client == nil {
		opt.Client = loopbackClient(2 * time.Second)
	}
	opt.Site = Site{Title: cfg.Site.Title, URL: cfg.Site.PublicURL, Components: cfg.ComponentNames(),
		CheckComponent: map[string]string{"api-health": "api", "web-health": "web", "db-health": "db"}}
	if opt.GroupWindow == 0 {
		opt.GroupWindow = cfg.Alerts.GroupWindow.D()
	}
	opt.RetryFor = cfg.Alerts.RetryFor.D()
	opt.Now = f.clock.now
	opt.OnGiveUp = func(ch string) {
		f.mu.Lock()
		f.given = append(f.given, ch)
		f.mu.Unlock()
	}
	f.d = New(st, opt)
	return f
}

// change stores a component change at the clock's time.
func (f *fixture) change(comp string, from, to status.Level) {
	f.t.Helper()
	f.w.Write(nil, []status.Change{{Kind: status.Component, Subject: comp, At: f.clock.now(), From: from, To: to,
		Cause: "check " + comp + "-health " + to.String()}})
	if err := f.w.Flush(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// pass runs the dispatcher once.
func (f *fixture) pass() {
	f.t.Helper()
	if err := f.d.RunOnce(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// attempts lists channel's attempts, oldest first, as "outcome code".
func (f *fixture) attempts(channel string) []string {
	f.t.Helper()
	atts, err := f.st.AlertAttempts(context.Background(), channel, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([]string, len(atts))
	for i, a := range atts {
		out[len(atts)-1-i] = fmt.Sprintf("%s %d", a.Outcome, a.Status)
	}
	return out
}
