package availability_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// rollupTotals is what reports compute: the span's sum of daily rollups.
func rollupTotals(t testing.TB, st *store.Store, span availability.Span, slug string) availability.Totals {
	t.Helper()
	rows, err := st.SpanRollups(context.Background(), status.Component, span.FirstDay, span.LastDay)
	if err != nil {
		t.Fatal(err)
	}
	return availability.FromRollup(bySubject(rows)[slug][span.FirstDay], span)
}

// monthTotals is the same through MonthlyRollups.
func monthTotals(t testing.TB, st *store.Store, span availability.Span, slug string) availability.Totals {
	t.Helper()
	rows, err := st.MonthlyRollups(context.Background(), status.Component, span.FirstDay, span.LastDay)
	if err != nil {
		t.Fatal(err)
	}
	return availability.FromRollup(bySubject(rows)[slug][span.FirstDay[:7]], span)
}

// rawTotals is the span's figures from the raw state changes alone.
func rawTotals(t testing.TB, st *store.Store, span availability.Span, slug string) availability.Totals {
	t.Helper()
	tl, err := availability.Load(context.Background(), st, slug, span)
	if err != nil {
		t.Fatal(err)
	}
	return tl.Totals()
}

// bySubject indexes span rollups by subject, then by span.
func bySubject(rows []store.SpanRollup) map[string]map[string]store.SpanRollup {
	out := map[string]map[string]store.SpanRollup{}
	for _, r := range rows {
		if out[r.Subject] == nil {
			out[r.Subject] = map[string]store.SpanRollup{}
		}
		out[r.Subject][r.Span] = r
	}
	return out
}
