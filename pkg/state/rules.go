package state

import (
	"fmt"
	"strings"

	"github.com/ampelstatus/ampel/pkg/status"
)

// evaluate applies the quorum rule across the zones that have data: down in
// no zone is up (or degraded), down in fewer zones than the quorum is
// partial, down in at least the quorum is down. The quorum defaults to a
// majority of the zones with data. Down also needs enough zones reporting:
// the quorum, or a majority of the check's zones when it is a default one.
// Fewer (two of three agents cut off) leave the check partial and set
// c.few, so the component takes on_down_few_zones instead of on_down: one
// vantage point alone never turns the page red.
func (c *checkState) evaluate() (status.Level, string) {
	c.few = false
	var known, fresh int
	var down, degraded []string
	for _, name := range c.zoneOrder {
		z := c.zones[name]
		if !z.seen.IsZero() && !z.stale {
			fresh++
		}
		switch z.cur.level {
		case status.NoData:
			continue
		case status.Down:
			down = append(down, name)
		case status.Degraded:
			degraded = append(degraded, name)
		}
		known++
	}
	if known == 0 {
		for _, name := range c.zoneOrder {
			if c.zones[name].stale {
				return status.NoData, "no data: no zone has sent fresh results"
			}
		}
		return status.NoData, "no zone has data"
	}
	quorum, reporting := c.spec.Quorum, c.spec.Quorum
	if quorum <= 0 {
		quorum, reporting = known/2+1, len(c.zoneOrder)/2+1
	}
	switch {
	case len(down) >= quorum && fresh < reporting:
		c.few = true
		return status.Partial, c.describe("down", down, known, fmt.Sprintf("; %d of %d zones reporting", fresh, len(c.zoneOrder)))
	case len(down) >= quorum:
		return status.Down, c.describe("down", down, known, "")
	case len(down) > 0:
		return status.Partial, c.describe("down", down, known, "")
	case len(degraded) > 0:
		return status.Degraded, c.describe("degraded", degraded, known, "")
	}
	return status.Up, "up"
}

// describe says "down in eu-central (1 of 3 zones): HTTP 503", with the
// reason the first of those zones gave and note inside the parentheses.
func (c *checkState) describe(what string, zones []string, of int, note string) string {
	s := fmt.Sprintf("%s in %s (%d of %d zones%s)", what, strings.Join(zones, ", "), len(zones), of, note)
	if reason := c.zones[zones[0]].last.Reason; reason != "" {
		s += ": " + reason
	}
	return s
}

// evaluate takes the worst of the component's checks, each mapped through
// the component's setting for that check (a check may be informational or
// only degrade the component). Checks without data do not count; the
// component has no data only when none of its checks has.
func (c *componentState) evaluate() (status.Level, string) {
	level, cause := status.NoData, "no check has data"
	for _, cs := range c.checks {
		if cs.cur.level == status.NoData {
			continue
		}
		l := cs.onLevel[cs.cur.level]
		if cs.few && cs.cur.level == status.Partial {
			l = cs.onFewZones
		}
		if level == status.NoData || status.Worse(l, level) {
			level = l
			cause = cs.spec.Name + ": " + cs.cur.cause
		}
	}
	if level == status.Up {
		cause = "all checks up"
	}
	return level, cause
}
