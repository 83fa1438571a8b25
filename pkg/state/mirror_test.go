package state

import (
	"reflect"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// A follower that mirrors what the leader's engine recorded shows the
// same components, checks and zones after every step: results crossing
// thresholds and quorums, an incident laid over and lifted, a zone going
// stale, pod sets, and the stop.
func TestMirrorShowsWhatTheLeaderShows(t *testing.T) {
	cfg := fleet("a", "b", "c")
	leader, follower := New(cfg), New(cfg)
	incident := Overrides{"api": {Level: status.Partial, Source: SourceIncident, Ref: "incident 7: errors"}}
	maint := Overrides{"web": {Level: status.Maintenance, Source: SourceMaintenance, Ref: "maintenance 2", MaskProbes: true}}
	type step struct {
		name      string
		results   []status.Result
		overrides Overrides // nil: unchanged
		tick      time.Time // zero: none
		stop      bool
	}
	steps := []step{
		{name: "first results", results: []status.Result{
			result("api-health", "a", 0, status.Up, ""), result("api-health", "b", 0, status.Up, ""),
			result("api-health", "c", 0, status.Degraded, "slow"), result("web-home", "a", 0, status.Up, ""),
			result("web-cdn", "a", 0, status.Up, ""),
		}},
		{name: "one zone fails twice", results: []status.Result{
			result("api-health", "a", 30, status.Down, "HTTP 503"), result("api-health", "a", 60, status.Down, "HTTP 503"),
		}},
		{name: "an incident", overrides: incident},
		{name: "quorum down under the incident", results: []status.Result{
			result("api-health", "b", 60, status.Down, "HTTP 503"), result("api-health", "b", 90, status.Down, "HTTP 503"),
		}},
		{name: "incident lifted, maintenance on web", overrides: maint, results: []status.Result{
			result("web-home", "a", 90, status.Down, "refused"),
		}},
		{name: "pods", results: []status.Result{
			{Check: "web-cdn", Zone: "a", Instance: "10.0.0.1:80", Start: t0.Add(100 * time.Second), Outcome: status.Up},
			{Check: "web-cdn", Zone: "a", Instance: "10.0.0.2:80", Start: t0.Add(100 * time.Second), Outcome: status.Down, Reason: "refused"},
			result("web-cdn", "a", 100, status.Degraded, "1/2 pods healthy"),
		}},
		{name: "zone c goes stale", overrides: Overrides{}, tick: t0.Add(10 * time.Minute), results: []status.Result{
			result("api-health", "a", 500, status.Up, ""), result("api-health", "b", 500, status.Up, ""),
		}},
		{name: "stop", stop: true},
	}
	var stored []status.Result
	for _, s := range steps {
		var changes []status.Change
		if s.overrides != nil {
			// Every node loads the overlay when it changes; what the
			// follower shows is still what the leader recorded.
			at := t0.Add(time.Duration(len(stored)) * time.Second)
			changes = append(changes, leader.SetOverrides(s.overrides, at)...)
			follower.SetOverrides(s.overrides, at)
		}
		for _, r := range s.results {
			changes = append(changes, leader.Apply(r)...)
			stored = append(stored, r)
		}
		if !s.tick.IsZero() {
			changes = append(changes, leader.Tick(s.tick)...)
		}
		if s.stop {
			// A stop is a gap: the follower holds each level from before
			// it, as the next leader will (Engine.Restart), rather than
			// show the stopped leader's no data.
			before := leader.Components()
			follower.Mirror(append(changes, leader.Stop(t0.Add(time.Hour), CauseStopped)...), s.results)
			for i, c := range follower.Components() {
				if c.Level != before[i].Level {
					t.Errorf("stop: follower shows %s %s, want the level before the stop, %s", c.Slug, c.Level, before[i].Level)
				}
			}
			continue
		}
		follower.Mirror(changes, s.results)
		if got, want := follower.Components(), leader.Components(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: follower shows\n%+v\nleader shows\n%+v", s.name, got, want)
		}
		if got, want := follower.UpdatedAt(), leader.UpdatedAt(); !got.Equal(want) {
			t.Errorf("%s: updated %s, leader %s", s.name, got, want)
		}
		if got, want := follower.Freshness(), leader.Freshness(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: freshness %+v, leader %+v", s.name, got, want)
		}
	}
	if len(stored) == 0 {
		t.Fatal("no results")
	}
}
