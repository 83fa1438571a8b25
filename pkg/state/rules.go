package state

import (
	"fmt"
	"strings"

	"github.com/ampelstatus/ampel/pkg/status"
)

// evaluate applies the quorum rule across the zones that have data: down in
// no zone is up (or degraded), down in fewer zones than the quorum is
// partial, down in at least the quorum is down. The quorum defaults to a
// majority of the zones with data.
func (c *checkState) evaluate() (status.Level, string) {
	var known int
	var down, degraded []string
	for _, name := range c.zoneOrder {
		switch c.zones[name].cur.level {
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
	quorum := c.spec.Quorum
	if quorum <= 0 {
		quorum = known/2 + 1
	}
	switch {
	case len(down) >= quorum:
		return status.Down, c.describe("down", down, known)
	case len(down) > 0:
		return status.Partial, c.describe("down", down, known)
	case len(degraded) > 0:
		return status.Degraded, c.describe("degraded", degraded, known)
	}
	return status.Up, "up"
}

// describe says "down in eu-central (1 of 3 zones): HTTP 503", with the
// reason the first of those zones gave.
func (c *checkState) describe(what string, zones []string, of int) string {
	s := fmt.Sprintf("%s in %s (%d of %d zones)", what, strings.Join(zones, ", "), len(zones), of)
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
