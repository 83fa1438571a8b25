package availability_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestRollupsEqualRaw: for random component timelines around a DST change
// and a month end, stored in random order with the rollups built at random
// moments in between, every span's figures from the rollups equal those
// from the raw state changes, to the millisecond, and the availability
// stays in [0, 1]. A fresh rebuild from the same history gives the same
// figures again: rollups are a cache.
func TestRollupsEqualRaw(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	seeds := 24
	if testing.Short() {
		seeds = 6
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 6))
			base := []time.Time{
				time.Date(2026, 3, 25, 0, 0, 0, 0, berlin),
				time.Date(2026, 10, 22, 0, 0, 0, 0, berlin),
				time.Date(2028, 2, 26, 0, 0, 0, 0, berlin),
			}[seed%3]
			changes := randomTimeline(rng, base, 10*24*time.Hour)
			final := base.Add(time.Duration(rng.Int64N(int64(11 * 24 * time.Hour))))
			nows := []time.Time{base.Add(time.Duration(rng.Int64N(int64(final.Sub(base))))), final}

			st := openStore(t)
			half := rng.IntN(len(changes) + 1)
			putChanges(t, st, changes[:half])
			if err := st.BuildRollups(context.Background(), berlin, nows[0]); err != nil {
				t.Fatal(err)
			}
			putChanges(t, st, changes[half:])
			if err := st.BuildRollups(context.Background(), berlin, final); err != nil {
				t.Fatal(err)
			}
			fresh := openStore(t)
			putChanges(t, fresh, changes)
			if err := fresh.BuildRollups(context.Background(), berlin, final); err != nil {
				t.Fatal(err)
			}

			for range 8 {
				a := base.Add(time.Duration(rng.Int64N(int64(12*24*time.Hour))) - 24*time.Hour)
				b := a.Add(time.Duration(rng.Int64N(int64(6 * 24 * time.Hour))))
				span := availability.DaysSpan(noon(a, berlin), noon(b, berlin), berlin, final)
				for _, slug := range []string{"c1", "c2"} {
					raw := rawTotals(t, st, span, slug)
					roll := rollupTotals(t, st, span, slug)
					if roll != raw {
						t.Fatalf("%s %s..%s: rollups %+v, raw %+v", slug, span.FirstDay, span.LastDay, roll, raw)
					}
					if again := rollupTotals(t, fresh, span, slug); again != roll {
						t.Fatalf("%s %s..%s: rebuilt %+v, incremental %+v", slug, span.FirstDay, span.LastDay, again, roll)
					}
					if u, ok := roll.Availability(0.3); ok && (u < 0 || u > 1) {
						t.Fatalf("availability %v out of [0, 1]", u)
					}
					if sum := roll.Up + roll.Degraded + roll.Partial + roll.Major + roll.Maintenance + roll.NoData; sum != roll.Period || roll.Period != span.Length() {
						t.Fatalf("levels add up to %v, period %v, span %v", sum, roll.Period, span.Length())
					}
				}
			}
		})
	}
}

// noon is the calendar day of t in loc, at noon UTC, as DaysSpan takes it.
func noon(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
}

// randomTimeline makes changes of two components over span from base, in
// random order, with some at the same millisecond.
func randomTimeline(rng *rand.Rand, base time.Time, span time.Duration) []status.Change {
	var out []status.Change
	for _, slug := range []string{"c1", "c2"} {
		n := rng.IntN(40)
		for range n {
			at := base.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Millisecond)
			if len(out) > 0 && rng.IntN(8) == 0 {
				at = out[rng.IntN(len(out))].At
			}
			out = append(out, status.Change{
				Kind: status.Component, Subject: slug, At: at,
				To: status.Level(rng.IntN(int(status.Maintenance) + 1)), Cause: "random",
			})
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func putChanges(t *testing.T, st *store.Store, changes []status.Change) {
	t.Helper()
	w := st.StartWriter(store.WriterOptions{})
	for _, c := range changes {
		w.Write(nil, []status.Change{c})
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
