package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/pkg/status"
)

// barView is a 90-day uptime bar, oldest day first. The home page shows
// one per component, so it must stay small (issue 18: 2,500 components'
// worth of day cells each with its own title made the page 10 KB a
// component): a bar is one SVG with a path per colour, each run of
// same-coloured days one dashed stroke. The days' detail lives on the
// component page (Days), which the bar links to; app.js adds a tooltip
// and a link to the day under the pointer.
type barView struct {
	Paths []barPath
	// Today is the last day on its own, so that app.js can colour it
	// by the live level.
	Today barPath
	// Width is the SVG's viewBox width.
	Width int
	// Label says what the bar shows, for a screen reader.
	Label string
	// Link is the component page's daily record; End today's date
	// (YYYY-MM-DD), from which app.js counts back to the day pointed at.
	Link, End string
}

// barPath is the days of one colour: Class colours them, D draws them.
type barPath struct{ Class, D string }

// cellPitch is the horizontal step of bar cells in viewBox units; a cell
// is cellWidth wide (the stroke's dash), the rest a gap.
const (
	cellPitch = 5
	cellWidth = 3
)

// dayView is one day in a component page's daily record; ID is the
// anchor the bar's links point at.
type dayView struct {
	ID, Class, Text string
}

// barOf builds the bar of a component's days. Today is as of the last
// rollup (at most a minute old); before its first rollup, a component
// already observed shows its current level there.
func barOf(l loc, slug, name string, days []availability.Day, now status.Level) barView {
	bar := barView{Width: len(days)*cellPitch - (cellPitch - cellWidth), Link: l.href("/components/" + slug + "#days")}
	n := len(days)
	if n == 0 {
		bar.Label = l.T("bar.label_empty", "Name", name)
		return bar
	}
	bar.End = days[n-1].Date.Format("2006-01-02")
	classes := make([]string, n)
	for i, d := range days {
		classes[i] = dayClass(d)
	}
	if !days[n-1].Data && now != status.NoData {
		classes[n-1] = liveDayClass[now]
	}
	bar.Paths = runPaths(classes[:n-1])
	bar.Today = barPath{Class: classes[n-1], D: "M" + strconv.Itoa((n-1)*cellPitch) + " 17h" + strconv.Itoa(cellWidth)}
	bar.Label = barLabel(l, name, n, classes)
	return bar
}

// runPaths draws each run of same-coloured cells as one horizontal line
// dashed cellWidth on, the gap off (the dash pattern restarts with each
// subpath), gathered into one path per colour in the order first seen.
func runPaths(classes []string) []barPath {
	var order []string
	ds := map[string]*strings.Builder{}
	for i := 0; i < len(classes); {
		j := i
		for j < len(classes) && classes[j] == classes[i] {
			j++
		}
		b, ok := ds[classes[i]]
		if !ok {
			b = &strings.Builder{}
			ds[classes[i]] = b
			order = append(order, classes[i])
		}
		fmt.Fprintf(b, "M%d 17h%d", i*cellPitch, (j-i)*cellPitch-(cellPitch-cellWidth))
		i = j
	}
	out := make([]barPath, 0, len(order))
	for _, c := range order {
		out = append(out, barPath{Class: c, D: ds[c].String()})
	}
	return out
}

// barLabel sums a bar up for a screen reader, which cannot see colours:
// how many days had an outage or maintenance, and where the detail is.
func barLabel(l loc, name string, n int, classes []string) string {
	var outage, maint int
	for _, c := range classes {
		switch c {
		case "d-low", "d-mid", "d-high":
			outage++
		case "d-maint":
			maint++
		}
	}
	outages := l.T("bar.no_outages")
	if outage > 0 {
		outages = l.Count("bar.label_outages", outage)
	}
	s := l.T("bar.label", "Name", name, "Days", n, "Outages", outages)
	if maint > 0 {
		s += ", " + l.Count("bar.label_maint", maint)
	}
	return s + ". " + l.T("bar.daily_record")
}

// daysOf is a component's daily record, newest day first, each with the
// detail its bar cell stands for.
func daysOf(l loc, days []availability.Day, w float64, now status.Level) []dayView {
	out := make([]dayView, 0, len(days))
	for i := len(days) - 1; i >= 0; i-- {
		d := days[i]
		v := dayView{ID: "day-" + d.Date.Format("2006-01-02"), Class: dayClass(d), Text: dayTitle(l, d, w)}
		if i == len(days)-1 && !d.Data && now != status.NoData {
			v.Class = liveDayClass[now]
			v.Text = l.T("bar.began_today", "Date", i18n.DateShort(l.Lang, d.Date), "Level", l.Level(now))
		}
		out = append(out, v)
	}
	return out
}

// liveDayClass colours today by the current level until it is rolled up.
var liveDayClass = map[status.Level]string{
	status.Up: "d-ok", status.Degraded: "d-ok", status.Partial: "d-mid",
	status.Down: "d-high", status.Maintenance: "d-maint",
}

// dayClass colours a day by the share of its observed time in outage.
func dayClass(d availability.Day) string {
	obs := d.Observed()
	if !d.Data || obs <= 0 {
		if d.Maintenance > 0 {
			return "d-maint"
		}
		return "d-none"
	}
	share := float64(d.Major+d.Partial) / float64(obs)
	switch {
	case share == 0 && d.Maintenance > 0:
		return "d-maint"
	case share == 0:
		return "d-ok"
	case share < 0.01:
		return "d-low"
	case share < 0.1:
		return "d-mid"
	}
	return "d-high"
}

func dayTitle(l loc, d availability.Day, w float64) string {
	date := i18n.DateShort(l.Lang, d.Date)
	u, ok := d.Uptime(w)
	if !ok {
		if d.Maintenance > 0 {
			return l.T("bar.maint_no_data", "Date", date, "Maintenance", minutes(d.Maintenance))
		}
		return l.T("bar.no_data", "Date", date)
	}
	parts := []string{l.T("bar.uptime", "Date", date, "Pct", pct(l, u))}
	if d.Partial > 0 {
		parts = append(parts, l.T("bar.partial", "Minutes", minutes(d.Partial)))
	}
	if d.Major > 0 {
		parts = append(parts, l.T("bar.major", "Minutes", minutes(d.Major)))
	}
	if d.Maintenance > 0 {
		parts = append(parts, l.T("bar.maintenance", "Minutes", minutes(d.Maintenance)))
	}
	if d.Partial == 0 && d.Major == 0 {
		parts = append(parts, l.T("bar.no_outage"))
	}
	return strings.Join(parts, ", ")
}
