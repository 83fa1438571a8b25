package autoincident

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/overlay"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

var t0 = time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC)

// testConfig has api (automatic, defaults but a 5m stable_for and 30m
// cool-down), db (automatic drafts on partial outage, checked from two
// zones with a quorum of two) and web (no automation).
const testConfig = `
[[zones]]
name = "a"
kind = "local"
[[zones]]
name = "b"
kind = "local"

[[components]]
slug = "api"
name = "Public API"
  [components.auto_incident]
  stable_for = "5m"
  cool_down = "30m"
  [[components.checks]]
  name = "api-health"
  kind = "http"
  target = "http://127.0.0.1:1/healthz"
  interval = "10s"
  zones = ["a"]
  failures_to_down = 1

[[components]]
slug = "db"
name = "Database_v2"
  [components.auto_incident]
  open_on = "partial_outage"
  publish = false
  body = "Looking into {component}."
  [[components.checks]]
  name = "db-port"
  kind = "http"
  target = "http://127.0.0.1:1/db"
  interval = "10s"
  quorum = 2
  failures_to_down = 1

[[components]]
slug = "web"
name = "Web"
  [[components.checks]]
  name = "web-home"
  kind = "http"
  target = "http://127.0.0.1:1/"
  interval = "10s"
  failures_to_down = 1
`

// harness is a real store and a real engine under automation, with a
// clock the test moves.
type harness struct {
	t    *testing.T
	ctx  context.Context
	st   *store.Store
	eng  *state.Engine
	auto *Automation
	now  time.Time
	logs bytes.Buffer
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	cfg, err := config.Parse(filepath.Join(t.TempDir(), "ampel.toml"), []byte(testConfig), []string{"http"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: t, ctx: context.Background(), st: st, eng: state.New(cfg), now: t0}
	h.auto = New(cfg, h.eng, st, slog.New(slog.NewTextHandler(&h.logs, nil)))
	return h
}

// probe feeds one result per zone given, a second after the last, and
// returns the changes.
func (h *harness) probe(check string, outcome status.Level, zones ...string) []status.Change {
	h.t.Helper()
	h.now = h.now.Add(time.Second)
	var changes []status.Change
	for _, z := range zones {
		reason := ""
		if outcome == status.Down {
			reason = "HTTP 503"
		}
		changes = append(changes, h.eng.Apply(status.Result{Check: check, Zone: z, Start: h.now, Outcome: outcome, Reason: reason})...)
	}
	return changes
}

// eval evaluates a component at the harness's time and, as ampel serve
// does after a change, lays the incidents over the engine again.
func (h *harness) eval(slug string) Action {
	h.t.Helper()
	act, err := h.auto.EvaluateOne(h.ctx, slug, h.now)
	if err != nil {
		h.t.Fatalf("evaluate %s: %v", slug, err)
	}
	o, err := overlay.Load(h.ctx, h.st)
	if err != nil {
		h.t.Fatal(err)
	}
	h.eng.SetOverrides(o, h.now)
	return act
}

func (h *harness) want(slug string, act Action) {
	h.t.Helper()
	if got := h.eval(slug); got != act {
		h.t.Fatalf("%s at %s: evaluation did %s, want %s", slug, h.now.Sub(t0), got, act)
	}
}

// open returns the component's open automatic incident.
func (h *harness) open(slug string) store.Incident {
	h.t.Helper()
	inc, err := h.st.OpenAutoIncident(h.ctx, slug)
	if err != nil {
		h.t.Fatalf("open incident of %s: %v", slug, err)
	}
	return inc
}

// incidents returns every incident, newest first.
func (h *harness) incidents() []store.Incident {
	h.t.Helper()
	list, err := h.st.Incidents(h.ctx, false, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// shown is the level a component shows (probes and overlay).
func (h *harness) shown(slug string) state.Component {
	h.t.Helper()
	c, _ := h.eng.Component(slug)
	return c
}
