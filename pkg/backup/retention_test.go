package backup

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestThin(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) // a Monday
	every := func(step time.Duration, span time.Duration) []Snapshot {
		var out []Snapshot
		for at := now.Add(-span); !at.After(now); at = at.Add(step) {
			out = append(out, Snapshot{At: at})
		}
		return out
	}
	cases := []struct {
		name  string
		keep  Retention
		snaps []Snapshot
		want  int
	}{
		{"nothing", Retention{All: 24 * time.Hour, Daily: 14, Weekly: 8}, nil, 0},
		{"newest is always kept", Retention{}, every(time.Hour, 10*time.Hour), 1},
		// 20-minute snapshots for 100 days, now Monday noon: 72 from the
		// last 24 h (ages 0 to 23h40); the newest of Nov 21 back to Nov 10
		// (12 more: the 23rd's and 22nd's are among the 72); the newest of
		// the weeks starting Nov 2, Oct 26, 19, 12 and 5 (5 more: this
		// week's and the two before are already kept).
		{"the default policy", Retention{All: 24 * time.Hour, Daily: 14, Weekly: 8}, every(20*time.Minute, 100*24*time.Hour), 72 + 12 + 5},
		{"daily only", Retention{Daily: 3}, every(6*time.Hour, 10*24*time.Hour), 3},
		{"weekly only", Retention{Weekly: 2}, every(24*time.Hour, 30*24*time.Hour), 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keep, drop := c.keep.Thin(c.snaps, now)
			if len(keep) != c.want || len(keep)+len(drop) != len(c.snaps) {
				t.Fatalf("kept %d, dropped %d of %d; want %d kept", len(keep), len(drop), len(c.snaps), c.want)
			}
			if len(c.snaps) > 0 && keep[len(keep)-1] != c.snaps[len(c.snaps)-1] {
				t.Errorf("newest dropped")
			}
		})
	}
}

func TestThinKeepsNewestOfEachDay(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	at := func(s string) Snapshot {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return Snapshot{At: v}
	}
	snaps := []Snapshot{at("2026-11-21T01:00:00Z"), at("2026-11-21T23:00:00Z"), at("2026-11-22T05:00:00Z"), at("2026-11-23T11:00:00Z")}
	keep, _ := Retention{Daily: 2}.Thin(snaps, now)
	want := []Snapshot{snaps[2], snaps[3]}
	if !slices.Equal(keep, want) {
		t.Errorf("kept %v, want %v", keep, want)
	}
}

func TestListSkipsOthers(t *testing.T) {
	dir := t.TempDir()
	t1 := time.Date(2026, 11, 23, 1, 2, 3, 4_000_000, time.UTC)
	t2 := t1.Add(time.Minute)
	for _, name := range []string{Name(t2), Name(t1), "." + Name(t1.Add(time.Hour)) + ".abc.partial", "notes.txt", "ampel-garbage.db"} {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600)
	}
	got, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].At.Equal(t1) || !got[1].At.Equal(t2) || got[0].Size != 1 {
		t.Fatalf("List = %+v", got)
	}
	if none, err := List(filepath.Join(dir, "missing")); err != nil || none != nil {
		t.Errorf("missing folder: %v, %v", none, err)
	}
	if n, err := removeTemps(dir); n != 1 || err != nil {
		t.Errorf("removeTemps: %d, %v", n, err)
	}
}
