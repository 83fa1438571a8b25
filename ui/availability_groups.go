package ui

import (
	"github.com/ampelstatus/ampel/pkg/availability"
)

// groupFigures is a group's availability per span: the weighted average
// of its components'.
type groupFigures struct {
	Name  string
	Spans []groupSpan
}

type groupSpan struct {
	Availability float64
	Known, Met   bool
}

// groupsOfReport averages the reports of each group's components; slo is
// the site's target, the groups' own.
func groupsOfReport(reports []componentReport, slo float64) []groupFigures {
	var out []groupFigures
	at := map[string]int{}
	var members [][][]availability.Member // by group, then span
	for _, r := range reports {
		g := r.Comp.Group
		if g == "" {
			continue
		}
		i, ok := at[g]
		if !ok {
			i = len(out)
			at[g] = i
			out = append(out, groupFigures{Name: g})
			members = append(members, make([][]availability.Member, len(r.Spans)))
		}
		for j, f := range r.Spans {
			members[i][j] = append(members[i][j], availability.Member{Availability: f.Availability, Known: f.Known, Weight: r.Comp.GroupWeight})
		}
	}
	for i := range out {
		out[i].Spans = make([]groupSpan, 0, len(members[i]))
		for _, ms := range members[i] {
			u, ok := availability.Group(ms)
			out[i].Spans = append(out[i].Spans, groupSpan{Availability: u, Known: ok, Met: ok && u*100 >= slo-1e-9})
		}
	}
	return out
}
