package dbcopy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Target is what the availability figures of a component are judged
// against (its SLO, the partial weight, the credit tiers).
type Target func(slug string) availability.Target

// Verified is what Verify compared and found the same on both sides.
type Verified struct {
	Tables     int
	Rows       int64
	Months     int
	Components int
}

// maxDiffs bounds the differences Verify lists.
const maxDiffs = 10

// Verify compares dst with src after a copy: the row count of every
// table, and, for every component and every month from the first
// recorded change to now in loc, the availability report read both ways
// the site reads it: from the monthly rollups (the /availability table)
// and from the raw state changes (a month's breakdown, with its
// outages). Any difference is an error listing the first few.
func Verify(ctx context.Context, dst, src *store.Store, loc *time.Location, now time.Time, target Target) (Verified, error) {
	var v Verified
	var diffs []string
	for _, t := range store.Tables() {
		a, err := src.CountRows(ctx, t)
		if err != nil {
			return v, err
		}
		b, err := dst.CountRows(ctx, t)
		if err != nil {
			return v, err
		}
		if a != b {
			diffs = append(diffs, fmt.Sprintf("%s: %d rows in the source, %d in the copy", t, a, b))
		}
		v.Tables++
		v.Rows += a
	}
	spans, err := months(ctx, src, loc, now)
	if err != nil {
		return v, err
	}
	v.Months = len(spans)
	if len(spans) > 0 {
		slugs, d, err := compareRollups(ctx, dst, src, spans, target)
		if err != nil {
			return v, err
		}
		diffs = append(diffs, d...)
		v.Components = len(slugs)
		for _, slug := range slugs {
			for _, sp := range spans {
				d, err := compareMonth(ctx, dst, src, slug, sp, target(slug))
				if err != nil {
					return v, err
				}
				diffs = append(diffs, d...)
			}
		}
	}
	if len(diffs) > 0 {
		n := len(diffs)
		if n > maxDiffs {
			diffs = append(diffs[:maxDiffs], fmt.Sprintf("and %d more", n-maxDiffs))
		}
		return v, fmt.Errorf("the copy differs from the source in %d places:\n  %s", n, strings.Join(diffs, "\n  "))
	}
	return v, nil
}

// months lists every calendar month in loc from the source's first
// recorded change through the month of now, oldest first.
func months(ctx context.Context, src *store.Store, loc *time.Location, now time.Time) ([]availability.Span, error) {
	first, ok, err := src.FirstChange(ctx)
	if err != nil || !ok {
		return nil, err
	}
	y, m, _ := first.In(loc).Date()
	ny, nm, _ := now.In(loc).Date()
	var out []availability.Span
	for ; y < ny || (y == ny && m <= nm); m++ {
		if m > time.December {
			y, m = y+1, time.January
		}
		out = append(out, availability.Month(y, m, loc, now))
	}
	return out, nil
}

// compareRollups compares every component's figures from the monthly
// rollups, month by month, and returns the components either side has.
func compareRollups(ctx context.Context, dst, src *store.Store, spans []availability.Span, target Target) ([]string, []string, error) {
	from, to := spans[0].FirstDay, spans[len(spans)-1].LastDay
	read := func(st *store.Store) (map[string]store.SpanRollup, error) {
		rows, err := st.MonthlyRollups(ctx, status.Component, from, to)
		if err != nil {
			return nil, err
		}
		by := make(map[string]store.SpanRollup, len(rows))
		for _, r := range rows {
			by[r.Subject+" "+r.Span] = r
		}
		return by, nil
	}
	a, err := read(src)
	if err != nil {
		return nil, nil, err
	}
	b, err := read(dst)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, m := range []map[string]store.SpanRollup{a, b} {
		for _, r := range m {
			seen[r.Subject] = true
		}
	}
	var slugs, diffs []string
	for slug := range seen {
		slugs = append(slugs, slug)
	}
	slices.Sort(slugs)
	for _, slug := range slugs {
		for _, sp := range spans {
			key := slug + " " + sp.FirstDay[:7]
			fa := availability.Evaluate(availability.FromRollup(a[key], sp), sp, target(slug))
			fb := availability.Evaluate(availability.FromRollup(b[key], sp), sp, target(slug))
			if fa != fb {
				diffs = append(diffs, fmt.Sprintf("%s %s (rollups): %s in the source, %s in the copy", slug, sp.FirstDay[:7], figures(fa), figures(fb)))
			}
		}
	}
	return slugs, diffs, nil
}

// compareMonth compares one component's month from the raw state
// changes: the totals and every outage with its cause.
func compareMonth(ctx context.Context, dst, src *store.Store, slug string, sp availability.Span, tg availability.Target) ([]string, error) {
	a, err := availability.Load(ctx, src, slug, sp)
	if err != nil {
		return nil, err
	}
	b, err := availability.Load(ctx, dst, slug, sp)
	if err != nil {
		return nil, err
	}
	fa := availability.Evaluate(a.Totals(), sp, tg)
	fb := availability.Evaluate(b.Totals(), sp, tg)
	var diffs []string
	if fa != fb {
		diffs = append(diffs, fmt.Sprintf("%s %s (state changes): %s in the source, %s in the copy", slug, sp.FirstDay[:7], figures(fa), figures(fb)))
	}
	if oa, ob := a.Outages(), b.Outages(); !slices.Equal(outageText(oa), outageText(ob)) {
		diffs = append(diffs, fmt.Sprintf("%s %s: %d outages in the source, %d in the copy, or their times or causes differ", slug, sp.FirstDay[:7], len(oa), len(ob)))
	}
	return diffs, nil
}

// figures formats the figures a difference is told by.
func figures(f availability.Figures) string {
	if !f.Known {
		return "no data"
	}
	return fmt.Sprintf("%.6f%% (down %s, partial %s, maintenance %s, no data %s)",
		f.Availability*100, f.Major, f.Partial, f.Maintenance, f.NoData)
}

// outageText writes outages down to the millisecond, the history's
// precision, so that they compare whatever time.Location each store
// gives its instants.
func outageText(os []availability.Outage) []string {
	out := make([]string, 0, len(os))
	for _, o := range os {
		var b strings.Builder
		fmt.Fprintf(&b, "%d-%d %s %s %t", o.From.UnixMilli(), o.To.UnixMilli(), o.Major, o.Partial, o.Ongoing)
		for _, c := range o.Causes {
			fmt.Fprintf(&b, " | %s %s %s %d %s>%s %q", c.Kind, c.Subject, c.Zone, c.At.UnixMilli(), c.From, c.To, c.Cause)
		}
		out = append(out, b.String())
	}
	return out
}
