package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

func TestChangesQueries(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	ctx := context.Background()
	ch := func(k status.Kind, subj, zone string, after time.Duration, from, to status.Level, cause string) status.Change {
		return status.Change{Kind: k, Subject: subj, Zone: zone, At: t0.Add(after), From: from, To: to, Cause: cause}
	}
	w.Write(nil, []status.Change{
		ch(status.CheckZone, "api", "eu", 0, status.NoData, status.Up, "eu first"),
		ch(status.CheckZone, "api", "us", time.Minute, status.NoData, status.Up, "us first"),
		ch(status.CheckZone, "api", "eu", 2*time.Minute, status.Up, status.Down, "eu down"),
		// Same instant: insertion order decides.
		ch(status.CheckZone, "api", "eu", 2*time.Minute, status.Down, status.Degraded, "eu degraded"),
		ch(status.Check, "api", "", 2*time.Minute, status.Up, status.Partial, "down in 1 of 2 zones"),
		ch(status.Component, "web", "", 3*time.Minute, status.NoData, status.Maintenance, "window"),
		ch(status.CheckZone, "other", "eu", 0, status.NoData, status.Up, ""),
	})
	// A change stored later with an earlier time: a late result an older
	// release recorded before the restart's close (issue 15).
	w.Write(nil, []status.Change{ch(status.CheckZone, "api", "us", -time.Minute, status.NoData, status.Down, "backfill")})
	flush(t, w)

	got, err := s.Changes(ctx, status.CheckZone, "api", t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	causes := func(cs []status.Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Cause)
		}
		return out
	}
	want := []string{"backfill", "eu first", "us first", "eu down", "eu degraded"}
	if g := causes(got); !slices.Equal(g, want) {
		t.Errorf("Changes(check_zone api) = %q, want %q", g, want)
	}
	if got[3].Zone != "eu" || got[3].From != status.Up || got[3].To != status.Down || !got[3].At.Equal(t0.Add(2*time.Minute)) || got[3].Kind != status.CheckZone {
		t.Errorf("round trip: %+v", got[3])
	}
	// [from, to)
	got, _ = s.Changes(ctx, status.CheckZone, "api", t0, t0.Add(2*time.Minute))
	if g := causes(got); !slices.Equal(g, []string{"eu first", "us first"}) {
		t.Errorf("range: %q", g)
	}

	latest, err := s.LatestChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The last stored is the state, at the latest time of the subject.
	want = []string{"down in 1 of 2 zones", "eu degraded", "backfill", "", "window"}
	if g := causes(latest); !slices.Equal(g, want) {
		t.Errorf("LatestChanges = %q, want %q", g, want)
	}
	if us := latest[2]; us.To != status.Down || !us.At.Equal(t0.Add(time.Minute)) {
		t.Errorf("LatestChanges for us: %+v, want down at the subject's latest time", us)
	}
}
