package ui

import (
	"slices"
	"time"

	"github.com/ampelstatus/ampel/pkg/incident"
)

// commonZones are offered in the console's time zone selects after the
// site's own; any other IANA name a window was scheduled in is added.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Lisbon", "Europe/Berlin", "Europe/Paris", "Europe/Warsaw",
	"Europe/Helsinki", "Europe/Istanbul", "Europe/Moscow", "Africa/Lagos", "Africa/Johannesburg",
	"Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
	"Pacific/Auckland", "America/Sao_Paulo", "America/New_York", "America/Chicago", "America/Denver",
	"America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
}

// localLayouts are what an <input type="datetime-local"> sends: minutes,
// or seconds when the browser shows them.
var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

// option is one <option> of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// zoneOptions lists the time zones to choose from: the site's first,
// then the common ones, with selected (added when not among them) marked.
func zoneOptions(selected, site string) []option {
	names := append([]string{site}, commonZones...)
	if selected != "" && !slices.Contains(names, selected) {
		names = append(names, selected)
	}
	if selected == "" {
		selected = site
	}
	var out []option
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		label := n
		if n == site {
			label += " (the status page's)"
		}
		out = append(out, option{Value: n, Label: label, Selected: n == selected})
	}
	return out
}

// loadZone returns the zone of a form's time_zone field.
func loadZone(name string) (*time.Location, error) {
	if err := incident.CheckTimeZone(name); err != nil || name == "" {
		return nil, badField("time_zone", "choose a time zone from the list")
	}
	return time.LoadLocation(name)
}

// parseLocal reads a datetime-local value in loc; "" is the zero time.
func parseLocal(field, value string, loc *time.Location) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, value, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badField(field, "want a date and time such as 2026-11-23T14:30")
}

// localValue is t as a datetime-local value in loc; "" for the zero time.
func localValue(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(localLayouts[0])
}

// options builds the options of a select from values, marking selected;
// labels are the values as the status page says them.
func options(values []string, selected string) []option {
	out := make([]option, 0, len(values))
	for _, v := range values {
		out = append(out, option{Value: v, Label: statusText(v), Selected: v == selected})
	}
	return out
}
