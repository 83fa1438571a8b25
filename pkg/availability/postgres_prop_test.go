package availability_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func openPostgres(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.OpenPostgres(context.Background(), pgtest.DB(t), store.PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestSQLiteAndPostgresAgree: the same random timeline, played into a
// SQLite and a PostgreSQL store in the same order with the rollups built
// at the same moments, gives the same figures on both, to the
// millisecond: daily and monthly rollups, raw state changes and the
// availability computed from them.
func TestSQLiteAndPostgresAgree(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	lite, pg := openStore(t), openPostgres(t)
	rng := rand.New(rand.NewPCG(12, 12))
	// One store pair for all rounds: each round adds a timeline after the
	// last one's, in random order, and builds at a random moment.
	base := time.Date(2026, 3, 20, 0, 0, 0, 0, berlin)
	for round := range 6 {
		changes := randomTimeline(rng, base, 12*24*time.Hour)
		now := base.Add(time.Duration(rng.Int64N(int64(14 * 24 * time.Hour))))
		for _, st := range []*store.Store{lite, pg} {
			putChanges(t, st, changes)
			if err := st.BuildRollups(context.Background(), berlin, now); err != nil {
				t.Fatal(err)
			}
		}
		ll, err := lite.LatestChanges(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pl, err := pg.LatestChanges(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ll) != fmt.Sprint(pl) {
			t.Fatalf("round %d: latest changes differ:\nSQLite     %v\nPostgreSQL %v", round, ll, pl)
		}
		for i := range 10 {
			a := base.Add(time.Duration(rng.Int64N(int64(16*24*time.Hour))) - 48*time.Hour)
			b := a.Add(time.Duration(rng.Int64N(int64(20 * 24 * time.Hour))))
			span := availability.DaysSpan(noon(a, berlin), noon(b, berlin), berlin, now)
			for _, slug := range []string{"c1", "c2"} {
				name := fmt.Sprintf("round %d span %d %s %s..%s", round, i, slug, span.FirstDay, span.LastDay)
				for what, get := range map[string]func(testing.TB, *store.Store, availability.Span, string) availability.Totals{
					"daily rollups": rollupTotals, "raw changes": rawTotals,
				} {
					l, p := get(t, lite, span, slug), get(t, pg, span, slug)
					if l != p {
						t.Fatalf("%s, %s: SQLite %+v, PostgreSQL %+v", name, what, l, p)
					}
					ul, okl := l.Availability(0.3)
					up, okp := p.Availability(0.3)
					if ul != up || okl != okp {
						t.Fatalf("%s, %s: availability %v on SQLite, %v on PostgreSQL", name, what, ul, up)
					}
				}
			}
			if span.FirstDay[:7] == span.LastDay[:7] {
				for _, slug := range []string{"c1", "c2"} {
					if l, p := monthTotals(t, lite, span, slug), monthTotals(t, pg, span, slug); l != p {
						t.Fatalf("round %d %s month %s: SQLite %+v, PostgreSQL %+v", round, slug, span.FirstDay[:7], l, p)
					}
				}
			}
		}
		base = base.Add(12 * 24 * time.Hour)
	}
}
