package availability

import "github.com/ampelstatus/ampel/store"

// FromRollup returns a subject's totals over span from the sum of its
// daily rollups in it (the zero SpanRollup when it had none). The time
// the rows do not cover — days before monitoring began, days wholly
// without data, and today after the last rollup build — is no data.
func FromRollup(r store.SpanRollup, span Span) Totals {
	t := Totals{Up: r.Up, Degraded: r.Degraded, Partial: r.Partial, Major: r.Down, Maintenance: r.Maintenance, NoData: r.NoData}
	covered := t.Observed() + t.Maintenance + t.NoData
	t.Period = max(span.Length(), covered)
	t.NoData += t.Period - covered
	return t
}
