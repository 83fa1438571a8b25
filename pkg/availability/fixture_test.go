package availability_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/pkg/overlay"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// fixtureConfig is the site every fixture runs: one component "api" with
// checks "a" and "b" in three zones, each zone flipping on the first
// failure and the first success, so a check down in one zone is a partial
// outage and down in two (a majority of three) is a major one.
const fixtureConfig = `
[site]
timezone = %q
[[zones]]
name = "eu"
kind = "local"
[[zones]]
name = "us"
kind = "local"
[[zones]]
name = "ap"
kind = "local"
[[components]]
slug = "api"
name = "API"
  [[components.checks]]
  name = "a"
  kind = "http"
  target = "http://127.0.0.1:1/"
  failures_to_down = 1
  [[components.checks]]
  name = "b"
  kind = "http"
  target = "http://127.0.0.1:1/"
  failures_to_down = 1
`

// player feeds a fixture's events through the engine and the overlay, as
// ampel serve does, and writes the changes to the store.
type player struct {
	t      *testing.T
	cfg    *config.Config
	engine *state.Engine
	w      *store.Writer
	inc    *store.Incident
	maint  *store.Maintenance
	latest map[string]status.Change
}

func (p *player) record(changes []status.Change) {
	for _, c := range changes {
		p.latest[c.Kind.String()+"/"+c.Subject+"/"+c.Zone] = c
	}
	p.w.Write(nil, changes)
}

func (p *player) overrides(at time.Time) {
	var incs []store.Incident
	var ms []store.Maintenance
	if p.inc != nil {
		incs = append(incs, *p.inc)
	}
	if p.maint != nil {
		ms = append(ms, *p.maint)
	}
	p.record(p.engine.SetOverrides(overlay.Compute(incs, ms), at))
}

func (p *player) play(e event) {
	a := e.args
	switch {
	case a[0] == "all": // "all up": every check in every zone reports
		for _, chk := range []string{"a", "b"} {
			for _, z := range []string{"eu", "us", "ap"} {
				p.result(e.at, chk, z, a[1])
			}
		}
	case a[0] == "a" || a[0] == "b": // "a eu down"
		p.result(e.at, a[0], a[1], a[2])
	case a[0] == "incident" && a[1] == "none":
		p.inc = nil
		p.overrides(e.at)
	case a[0] == "incident": // incident LEVEL "NAME"
		p.inc = &store.Incident{ID: 7, Name: a[2], Status: incident.Identified, Components: map[string]string{"api": a[1]}}
		p.overrides(e.at)
	case a[0] == "maintenance" && a[1] == "none":
		p.maint = nil
		p.overrides(e.at)
	case a[0] == "maintenance": // maintenance "NAME"
		p.maint = &store.Maintenance{ID: 3, Name: a[1], Status: incident.InProgress, ComponentIDs: []string{"api"}}
		p.overrides(e.at)
	case a[0] == "stop": // Ampel stops; the next event starts it again
		var latest []status.Change
		for _, c := range p.latest {
			latest = append(latest, c)
		}
		p.record(state.CloseOpen(latest, e.at, "no data: Ampel was not running"))
		p.engine = state.New(p.cfg)
	default:
		p.t.Fatalf("line %d: unknown event %v", e.line, a)
	}
}

func (p *player) result(at time.Time, check, zone, outcome string) {
	l, err := status.ParseLevel(outcome)
	if err != nil {
		p.t.Fatal(err)
	}
	r := status.Result{Check: check, Zone: zone, Start: at, Outcome: l}
	if l == status.Down {
		r.Reason = "HTTP 503"
	}
	p.record(p.engine.Apply(r))
}

// TestFixtures plays every testdata fixture into a real SQLite store,
// builds the rollups, and checks each span's figures from the rollups
// and from the raw state changes against the hand-computed ones.
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) < 8 {
		t.Fatalf("fixtures: %v, %d files", err, len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			fx := loadFixture(t, file)
			cfg, err := config.Parse("fixture.toml", fmt.Appendf(nil, fixtureConfig, fx.loc.String()), []string{"http"})
			if err != nil {
				t.Fatal(err)
			}
			st := openStore(t)
			p := &player{t: t, cfg: cfg, engine: state.New(cfg), w: st.StartWriter(store.WriterOptions{}), latest: map[string]status.Change{}}
			for _, e := range fx.events {
				p.play(e)
			}
			if err := p.w.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := st.BuildRollups(context.Background(), fx.loc, fx.now); err != nil {
				t.Fatal(err)
			}
			for _, sw := range fx.spans {
				span := availability.DaysSpan(sw.first, sw.last, fx.loc, fx.now)
				fromRollups := rollupTotals(t, st, span, "api")
				fromRaw := rawTotals(t, st, span, "api")
				check(t, fmt.Sprintf("line %d rollups", sw.line), fromRollups, fx.weight, sw.want)
				check(t, fmt.Sprintf("line %d raw", sw.line), fromRaw, fx.weight, sw.want)
				if span.FirstDay[:7] == span.LastDay[:7] && span.FirstDay[8:] == "01" && span.Full == availability.Month(sw.first.Year(), sw.first.Month(), fx.loc, fx.now).Full {
					check(t, fmt.Sprintf("line %d monthly", sw.line), monthTotals(t, st, span, "api"), fx.weight, sw.want)
				}
			}
		})
	}
}

func check(t *testing.T, where string, got availability.Totals, w float64, want map[string]float64) {
	t.Helper()
	secs := map[string]time.Duration{
		"period": got.Period, "up": got.Up, "degraded": got.Degraded, "partial": got.Partial,
		"major": got.Major, "maintenance": got.Maintenance, "nodata": got.NoData,
	}
	for field, v := range want {
		if field == "availability" {
			u, ok := got.Availability(w)
			if !ok || math.Abs(u-v) > 0.5e-6 {
				t.Errorf("%s: availability %.6f (%v), want %.6f; totals %+v", where, u, ok, v, got)
			}
			continue
		}
		d, known := secs[field]
		if !known {
			t.Fatalf("%s: unknown field %q", where, field)
		}
		if d != time.Duration(v*float64(time.Second)) {
			t.Errorf("%s: %s = %v, want %vs", where, field, d, v)
		}
	}
}
