package store

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestRollupsIncrementalMatchesRebuild stores random change timelines in
// random order, building the rollups at random moments in between, and
// checks the result against one build on a fresh store and against a
// direct computation; and that every completed day adds up to its length.
func TestRollupsIncrementalMatchesRebuild(t *testing.T) {
	berlin := loadLoc(t, "Europe/Berlin")
	seeds := 40
	if testing.Short() {
		seeds = 8
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			// Ten days around a change of clocks.
			base := time.Date(2026, 10, 20, 0, 0, 0, 0, berlin)
			if seed%2 == 1 {
				base = time.Date(2026, 3, 24, 0, 0, 0, 0, berlin)
			}
			changes := randomChanges(rng, base, 10)
			nows := make([]time.Time, 1+rng.IntN(5))
			for i := range nows {
				nows[i] = base.Add(time.Duration(rng.Int64N(int64(11 * 24 * time.Hour))))
			}
			slices.SortFunc(nows, func(a, b time.Time) int { return a.Compare(b) })
			final := nows[len(nows)-1]

			s := openTest(t)
			chunk := (len(changes) + len(nows) - 1) / len(nows)
			for i, now := range nows {
				lo, hi := min(i*chunk, len(changes)), min((i+1)*chunk, len(changes))
				put(t, s, changes[lo:hi]...)
				build(t, s, berlin, now)
			}
			got := allRollups(t, s)

			fresh := openTest(t)
			put(t, fresh, changes...)
			build(t, fresh, berlin, final)
			checkRollups(t, got, allRollups(t, fresh))
			checkRollups(t, got, expectedRollups(changes, berlin, final))

			for _, r := range got {
				d, _ := parseDay(r.Day)
				start, next := d.start(berlin), d.add(1).start(berlin)
				want := next.Sub(start)
				if final.Before(next) {
					want = final.Truncate(time.Millisecond).Sub(start)
				}
				if sum := r.Up + r.Degraded + r.Partial + r.Down + r.Maintenance + r.NoData; sum != want {
					t.Errorf("%s adds up to %v, want %v", fmtRollup(r), sum, want)
				}
			}
		})
	}
}

// randomChanges returns changes of a few subjects over days days from
// base, in a random order of storing: many arrive late. Some fall on a
// midnight or share an instant.
func randomChanges(rng *rand.Rand, base time.Time, days int) []status.Change {
	subjects := []status.Change{
		{Kind: status.CheckZone, Subject: "api", Zone: "eu"},
		{Kind: status.CheckZone, Subject: "api", Zone: "us"},
		{Kind: status.Check, Subject: "api"},
		{Kind: status.Component, Subject: "web"},
	}
	levels := []status.Level{status.NoData, status.Up, status.Degraded, status.Partial, status.Down, status.Maintenance}
	n := 1 + rng.IntN(40)
	out := make([]status.Change, n)
	for i := range out {
		c := subjects[rng.IntN(len(subjects))]
		c.To = levels[rng.IntN(len(levels))]
		c.From = levels[rng.IntN(len(levels))]
		switch p := rng.IntN(10); {
		case p == 0: // a midnight
			d := dayOf(base, base.Location()).add(rng.IntN(days))
			c.At = d.start(base.Location())
		case p == 1 && i > 0: // the same instant as another change
			c.At = out[rng.IntN(i)].At
		default:
			c.At = base.Add(time.Duration(rng.Int64N(int64(days) * int64(24*time.Hour))))
		}
		out[i] = c
	}
	return out
}

// expectedRollups computes the rows straight from the definition: changes
// listed in the order they were stored.
func expectedRollups(changes []status.Change, loc *time.Location, now time.Time) []DayRollup {
	nowMS := now.UnixMilli()
	type key struct {
		kind          status.Kind
		subject, zone string
	}
	timelines := map[key][]status.Change{}
	for _, c := range changes {
		if c.At.UnixMilli() <= nowMS {
			k := key{c.Kind, c.Subject, c.Zone}
			timelines[k] = append(timelines[k], c)
		}
	}
	var out []DayRollup
	for k, tl := range timelines {
		slices.SortStableFunc(tl, func(a, b status.Change) int { return cmp.Compare(a.At.UnixMilli(), b.At.UnixMilli()) })
		for d := dayOf(tl[0].At, loc); !dayOf(now, loc).before(d); d = d.add(1) {
			start, end := d.start(loc).UnixMilli(), min(d.add(1).start(loc).UnixMilli(), nowMS)
			var spent [status.Maintenance + 1]int64
			level, cursor := status.NoData, start
			for _, c := range tl {
				at := c.At.UnixMilli()
				if at >= end {
					break
				}
				if at > cursor {
					spent[level] += at - cursor
					cursor = at
				}
				level = c.To
			}
			spent[level] += end - cursor
			if spent[status.NoData] == end-start {
				continue
			}
			ms := func(l status.Level) time.Duration { return time.Duration(spent[l]) * time.Millisecond }
			out = append(out, DayRollup{
				Kind: k.kind, Subject: k.subject, Zone: k.zone, Day: d.String(),
				Up: ms(status.Up), Degraded: ms(status.Degraded), Partial: ms(status.Partial),
				Down: ms(status.Down), Maintenance: ms(status.Maintenance), NoData: ms(status.NoData),
			})
		}
	}
	kindOrder := map[status.Kind]int{status.CheckZone: 0, status.Check: 1, status.Component: 2}
	slices.SortFunc(out, func(a, b DayRollup) int {
		return cmp.Or(cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind]), cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Zone, b.Zone), cmp.Compare(a.Day, b.Day))
	})
	return out
}
