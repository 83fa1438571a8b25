package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestMonthlyRollupsStayExact stores random timelines over a month end in
// several parts, building the rollups after each (late changes make
// BuildRollups replace days it had built), and checks that every monthly
// row is the sum of its daily rows, and that SpanRollups over random
// ranges — whole months, parts read day by day and parts read as a month
// less the days outside — equals the plain sum of the daily rows.
func TestMonthlyRollupsStayExact(t *testing.T) {
	berlin := loadLoc(t, "Europe/Berlin")
	seeds := 30
	if testing.Short() {
		seeds = 6
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 9))
			base := time.Date(2026, 2, 20, 0, 0, 0, 0, berlin)
			changes := randomChanges(rng, base, 45)
			s := openTest(t)
			parts := 1 + rng.IntN(4)
			for i := range parts {
				lo, hi := i*len(changes)/parts, (i+1)*len(changes)/parts
				put(t, s, changes[lo:hi]...)
				build(t, s, berlin, base.Add(time.Duration(rng.Int64N(int64(50*24*time.Hour)))))
			}
			build(t, s, berlin, base.Add(50*24*time.Hour))
			checkMonthlyTable(t, s)
			for range 10 {
				a := dayOf(base, berlin).add(rng.IntN(60) - 5)
				b := a.add(rng.IntN(50))
				got, err := s.SpanRollups(context.Background(), status.Check, a.String(), b.String())
				if err != nil {
					t.Fatal(err)
				}
				want := plainSums(t, s, "check", a.String(), b.String())
				if len(got) != len(want) {
					t.Fatalf("%s..%s: %+v, want %+v", a, b, got, want)
				}
				for i := range got {
					if got[i] != want[i] {
						t.Errorf("%s..%s: %+v, want %+v", a, b, got[i], want[i])
					}
				}
			}
		})
	}
}

// checkMonthlyTable compares rollups_monthly with the daily rows summed.
func checkMonthlyTable(t *testing.T, s *Store) {
	t.Helper()
	const q = `
SELECT count(*) FROM (
	SELECT kind, subject, zone, month, days, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms FROM rollups_monthly
	EXCEPT
	SELECT kind, subject, zone, substr(day, 1, 7), count(*), sum(up_ms), sum(degraded_ms), sum(partial_ms), sum(down_ms), sum(maintenance_ms), sum(nodata_ms)
	FROM rollups_daily GROUP BY kind, subject, zone, substr(day, 1, 7)
) AS diff UNION ALL SELECT (SELECT count(*) FROM rollups_monthly) - (SELECT count(DISTINCT kind || subject || zone || substr(day, 1, 7)) FROM rollups_daily)`
	rows, err := s.rdb.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("rollups_monthly differs from the daily sums (%d)", n)
		}
	}
}

// plainSums sums daily rows over a range straight from rollups_daily.
func plainSums(t *testing.T, s *Store, kind, from, to string) []SpanRollup {
	t.Helper()
	// Today's open rows hold their time up to their last change; the
	// rest, in their last level, runs to the last build's now.
	built, _, err := metaInt(context.Background(), s.rdb, metaRollupBuilt)
	if err != nil {
		t.Fatal(err)
	}
	open := func(level string) string {
		return "CASE WHEN last_level = '" + level + "' AND open_ms IS NOT NULL THEN ?4 - open_ms ELSE 0 END"
	}
	q := `
SELECT subject, ?2, count(*), sum(up_ms + ` + open("up") + `), sum(degraded_ms + ` + open("degraded") + `),
	sum(partial_ms + ` + open("partial") + `), sum(down_ms + ` + open("down") + `),
	sum(maintenance_ms + ` + open("maintenance") + `), sum(nodata_ms + ` + open("no_data") + `)
FROM rollups_daily WHERE kind = ?1 AND zone = '' AND day >= ?2 AND day <= ?3
GROUP BY subject ORDER BY subject`
	rows, err := s.rdb.Query(q, kind, from, to, built)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []SpanRollup
	for rows.Next() {
		var r SpanRollup
		var ms [6]int64
		if err := rows.Scan(&r.Subject, &r.Span, &r.Days, &ms[0], &ms[1], &ms[2], &ms[3], &ms[4], &ms[5]); err != nil {
			t.Fatal(err)
		}
		d := func(i int) time.Duration { return time.Duration(ms[i]) * time.Millisecond }
		r.Up, r.Degraded, r.Partial, r.Down, r.Maintenance, r.NoData = d(0), d(1), d(2), d(3), d(4), d(5)
		out = append(out, r)
	}
	return out
}
