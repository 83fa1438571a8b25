package ui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

// historyDays is how many days the uptime bars show.
const historyDays = 90

// levelText is a level as the public pages say it.
var levelText = [...]string{
	status.NoData:      "No data",
	status.Up:          "Operational",
	status.Degraded:    "Degraded Performance",
	status.Partial:     "Partial Outage",
	status.Down:        "Major Outage",
	status.Maintenance: "Under Maintenance",
}

func textOf(l status.Level) string {
	if int(l) < len(levelText) {
		return levelText[l]
	}
	return levelText[status.NoData]
}

// classOf is the CSS class that colours a level.
func classOf(l status.Level) string { return "s-" + l.String() }

// overall is the page's status: Statuspage's indicator, its description
// (the banner text) and the level that colours the banner.
type overall struct {
	Indicator   string
	Description string
	Level       status.Level
}

// overallOf blends the components' statuses into the page status by
// Statuspage's rule ("Top-level status and incident impact calculations",
// https://support.atlassian.com/statuspage/docs/top-level-status-and-incident-impact-calculations/):
// with one component the page says that component's status; with two or
// more, a status all of them share reads as the system's ("Major System
// Outage" only when every component is in major outage), otherwise the
// worst of the others is toned down by one step: some in major outage is a
// "Partial System Outage", some in partial outage a "Minor Service
// Outage", some degraded a "Partially Degraded Service", some in
// maintenance "Service Under Maintenance". So one component down of eight
// no longer reads as everything down. Components with no data yet are
// left out; the indicator is "maintenance" while maintenance is the only
// news, as on Statuspage.
func overallOf(comps []state.Component) overall {
	count := map[status.Level]int{}
	seen := 0
	for _, c := range comps {
		if c.Level != status.NoData {
			count[c.Level]++
			seen++
		}
	}
	all := func(l status.Level) bool { return seen > 0 && count[l] == seen }
	switch {
	case seen == 0:
		return overall{"none", "Awaiting First Checks", status.NoData}
	case all(status.Down):
		return overall{"critical", "Major System Outage", status.Down}
	case all(status.Partial), count[status.Down] > 0:
		return overall{"major", "Partial System Outage", status.Partial}
	case count[status.Partial] > 0:
		return overall{"minor", "Minor Service Outage", status.Degraded}
	case all(status.Degraded) && seen > 1:
		return overall{"minor", "Degraded System Service", status.Degraded}
	case count[status.Degraded] > 0:
		return overall{"minor", "Partially Degraded Service", status.Degraded}
	case count[status.Maintenance] > 0:
		return overall{indicatorMaintenance, "Service Under Maintenance", status.Maintenance}
	}
	return overall{"none", "All Systems Operational", status.Up}
}

// indicatorMaintenance is Statuspage's indicator while maintenance is in
// progress and nothing is worse.
const indicatorMaintenance = "maintenance"

// siteView is what the layout shows on every page.
type siteView struct {
	Title, LogoURL, PublicURL string
	CSS, JS, Icon             string
	Zone                      string
	Footer                    []linkView
	// Events is the stream URL, naming the last event the page includes.
	Events string
	Now    time.Time
	// Subscribe links the subscribe form (subscriptions on, a store).
	Subscribe bool
	// Lang is the page's language; Langs the switch to the others.
	Lang  string
	Langs []langLink
}

type linkView struct{ Name, URL string }

// minutes rounds up, so that a 20-second outage is never shown as 0 min.
func minutes(d time.Duration) string {
	return fmt.Sprintf("%d min", int(math.Ceil(d.Minutes())))
}

// pct formats a share as a percentage with two decimals, rounding down:
// 99.999 % is shown as 99.99 %, never as 100.00 %.
func pct(l loc, u float64) string {
	return l.Pct(math.Floor(u*10000+1e-9)/100, 2)
}

// uptimeText is the uptime over the days, or says there is none yet.
func uptimeText(l loc, days []availability.Day, w float64) string {
	if u, ok := availability.Period(days, w); ok {
		return l.T("bar.period_uptime", "Pct", pct(l, u))
	}
	return l.T("bar.no_uptime")
}

// key names the banner's text in the catalogue ("overall.all_systems_operational").
func (o overall) key() string { return strings.ReplaceAll(strings.ToLower(o.Description), " ", "_") }
