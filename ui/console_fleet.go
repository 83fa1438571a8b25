package ui

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

// fleetComponent is one component on the dashboard's fleet view, with
// each of its checks as every zone sees it. Operators see the raw error
// (Detail): the console is theirs.
type fleetComponent struct {
	Slug, Name  string
	Text, Class string
	Since       time.Time
	Checks      []fleetCheck
}

type fleetCheck struct {
	Name, Link  string
	Text, Class string
	Zones       []fleetZone
}

type fleetZone struct {
	Zone        string
	Text, Class string
	Stale       bool
	// Latency is the last result's duration; At when it started.
	Latency string
	At      time.Time
	// Error is the last result's reason and detail; empty when up.
	Reason, Detail string
}

// fleetOf lists the components worst first (the page order among equals),
// so what is red is at the top.
func fleetOf(comps []state.Component) []fleetComponent {
	comps = slices.Clone(comps)
	slices.SortStableFunc(comps, func(a, b state.Component) int {
		return cmp.Compare(fleetRank(b.Level), fleetRank(a.Level))
	})
	out := make([]fleetComponent, 0, len(comps))
	for _, c := range comps {
		fc := fleetComponent{Slug: c.Slug, Name: c.Name, Text: textOf(c.Level), Class: classOf(c.Level), Since: c.Since}
		for _, chk := range c.Checks {
			fk := fleetCheck{Name: chk.Name, Link: "/admin/checks/" + url.PathEscape(chk.Name), Text: textOf(chk.Level), Class: classOf(chk.Level)}
			for _, z := range chk.Zones {
				fz := fleetZone{Zone: z.Zone, Text: textOf(z.Level), Class: classOf(z.Level), Stale: z.Stale}
				if !z.LastSeen.IsZero() {
					fz.Latency, fz.At = latencyText(z.Last.Duration), z.Last.Start
					if z.Last.Outcome != status.Up {
						fz.Reason, fz.Detail = z.Last.Reason, z.Last.Detail
					}
				}
				if z.Stale {
					fz.Text = "stale"
				}
				fk.Zones = append(fk.Zones, fz)
			}
			fc.Checks = append(fc.Checks, fk)
		}
		out = append(out, fc)
	}
	return out
}

// fleetRank orders levels for the fleet view: outages first, then
// degraded, maintenance, no data, and up last. Unlike status.Worse, no
// data ranks above up: a check that reports nothing needs a look.
func fleetRank(l status.Level) int {
	switch l {
	case status.Down:
		return 6
	case status.Partial:
		return 5
	case status.Degraded:
		return 4
	case status.Maintenance:
		return 3
	case status.NoData:
		return 2
	}
	return 1
}

// latencyText is a probe's duration as operators read it: "42 ms",
// "1.25 s".
func latencyText(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// checkResultsLimit is how many of a check's results its console page
// lists, newest first, from the last day.
const checkResultsLimit = 200

// checkResultsView is a check's recent results, every zone and instance.
type checkResultsView struct {
	Name, Component string
	Results         []checkResult
	Limit           int
}

type checkResult struct {
	At             time.Time
	Zone, Instance string
	Text, Class    string
	Latency        string
	Reason, Detail string
	Value          float64
	HasValue       bool
}

func (k *console) checkResults(c echo.Context) error {
	name := c.Param("name")
	comp := ""
	for _, cc := range k.d.Config.Components {
		for _, chk := range cc.Checks {
			if chk.Name == name {
				comp = cc.Name
			}
		}
	}
	if comp == "" {
		return k.notFound(c, "check")
	}
	now := k.d.Now()
	rs, err := k.d.Store.Results(c.Request().Context(), name, now.Add(-24*time.Hour), now.Add(time.Second), checkResultsLimit)
	if err != nil {
		return err
	}
	v := checkResultsView{Name: name, Component: comp, Limit: checkResultsLimit}
	for _, r := range rs {
		v.Results = append(v.Results, checkResult{
			At: r.Start, Zone: r.Zone, Instance: r.Instance, Text: textOf(r.Outcome), Class: classOf(r.Outcome),
			Latency: latencyText(r.Duration), Reason: r.Reason, Detail: r.Detail, Value: r.Value, HasValue: r.HasValue,
		})
	}
	return k.render(c, http.StatusOK, "check", v)
}
