package alert

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// testSubject is the subject of the console's test alerts.
const testSubject = "test"

// event is what an outbox row says, in the channels' terms.
func (d *Dispatcher) event(a store.Alert) channel.Event {
	site := d.opt.Site
	id := a.EventID
	if a.Seq > 0 {
		// Each reminder is a message of its own to a receiver that drops
		// duplicates by webhook-id.
		id += "_" + strconv.Itoa(a.Seq)
	}
	ev := channel.Event{ID: id, From: a.From, To: a.To, Cause: a.Cause, At: a.At, Resolved: a.Kind == store.AlertResolve}
	if a.Kind == store.AlertTest || a.Subject == testSubject {
		// A component of its own: PagerDuty's dedup_key of the test is
		// no real component's, and its resolve closes only the test.
		ev.Component = "ampel-test"
		ev.ComponentName = "Test alert from " + site.Title
		ev.Cause = "sent from the console to try this channel; nothing is wrong"
		ev.Link = site.URL
		return ev
	}
	kind, subject, zone, err := store.SplitAlertSubject(a.Subject)
	if err != nil {
		ev.ComponentName = a.Subject
		return ev
	}
	if kind == 0 {
		// Ampel's own problem: named apart from every component (and so
		// a PagerDuty dedup_key of its own), linking to the console.
		ev.Component, ev.ComponentName = "ampel-"+subject, "Ampel "+strings.ReplaceAll(subject, "-", " ")
		if site.URL != "" {
			ev.Link = site.URL + "/admin"
		}
		return ev
	}
	ev.Component = subject
	if kind != status.Component {
		ev.Component, ev.Check = site.CheckComponent[subject], subject
	}
	if zone != "" {
		ev.Zones = []string{zone}
	}
	ev.ComponentName = site.Components[ev.Component]
	if ev.Component != "" && site.URL != "" {
		ev.Link = site.URL + "/components/" + url.PathEscape(ev.Component)
	}
	return ev
}

// combine makes one message of a group: its title counts the changes and
// names the worst level still open, its text lists each.
func combine(evs []channel.Event, link string) channel.Event {
	out := channel.Event{ID: evs[0].ID + "_g" + strconv.Itoa(len(evs)), From: status.Up, To: status.Up, Resolved: true, Link: link}
	lines := make([]string, 0, len(evs))
	for _, e := range evs {
		line := e.Title()
		if e.Cause != "" {
			line += " (" + e.Cause + ")"
		}
		lines = append(lines, line)
		if !e.Resolved {
			out.Resolved = false
			out.To = status.Worst(out.To, e.To)
		}
		if e.At.After(out.At) {
			out.At = e.At
		}
		for _, z := range e.Zones {
			if !strings.Contains(","+strings.Join(out.Zones, ",")+",", ","+z+",") {
				out.Zones = append(out.Zones, z)
			}
		}
	}
	out.ComponentName = fmt.Sprintf("%d alerts", len(evs))
	out.Cause = "\n" + strings.Join(lines, "\n")
	return out
}
