package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// icsCalendar is a parsed calendar: its own properties and its events,
// each a map of property name to raw (still escaped) value.
type icsCalendar struct {
	props  map[string]string
	events []map[string]string
}

// parseICS reads iCalendar text with a line-unfolding reader of its own:
// it fails on bare CR or LF, lines over 75 octets, and properties
// outside the one calendar or its events.
func parseICS(t *testing.T, body string) icsCalendar {
	t.Helper()
	if !strings.HasSuffix(body, "\r\n") {
		t.Fatal("calendar does not end in CRLF")
	}
	var lines []string
	for _, phys := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if strings.ContainsAny(phys, "\r\n") {
			t.Fatalf("bare CR or LF in %q", phys)
		}
		if len(phys) > 75 {
			t.Fatalf("line of %d octets", len(phys))
		}
		if strings.HasPrefix(phys, " ") && len(lines) > 0 {
			lines[len(lines)-1] += phys[1:]
			continue
		}
		lines = append(lines, phys)
	}
	cal := icsCalendar{props: map[string]string{}}
	var ev map[string]string
	depth := 0
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("not a content line: %q", l)
		}
		switch {
		case name == "BEGIN" && value == "VCALENDAR" && depth == 0:
			depth = 1
		case name == "BEGIN" && value == "VEVENT" && depth == 1:
			depth, ev = 2, map[string]string{}
		case name == "END" && value == "VEVENT" && depth == 2:
			cal.events = append(cal.events, ev)
			depth = 1
		case name == "END" && value == "VCALENDAR" && depth == 1:
			depth = 0
		case depth == 2:
			if _, dup := ev[name]; dup {
				t.Fatalf("property %s twice in an event: injected?", name)
			}
			ev[name] = value
		case depth == 1:
			cal.props[name] = value
		default:
			t.Fatalf("line %q outside the calendar", l)
		}
	}
	if depth != 0 {
		t.Fatal("calendar not closed")
	}
	return cal
}

// icsUnescape reverses TEXT escaping.
func icsUnescape(s string) string {
	r := strings.NewReplacer(`\\`, `\`, `\;`, `;`, `\,`, `,`, `\n`, "\n", `\N`, "\n")
	return r.Replace(s)
}

func eventByUID(t *testing.T, cal icsCalendar, id int64) map[string]string {
	t.Helper()
	uid := fmt.Sprintf("maintenance-%d@status.example.com", id)
	for _, ev := range cal.events {
		if ev["UID"] == uid {
			return ev
		}
	}
	t.Fatalf("no event %s", uid)
	return nil
}

// TestMaintenanceICS: one event per window with its UTC times, summary,
// plain-text description, link and status; a reschedule raises SEQUENCE;
// a cancelled window is CANCELLED.
func TestMaintenanceICS(t *testing.T) {
	f := newFixture(t)
	p := seedPublicPages(t, f)
	ctx := context.Background()
	rec := get(f.h, "/maintenance.ics", "192.0.2.1:1", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("%d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	cal := parseICS(t, rec.Body.String())
	if cal.props["VERSION"] != "2.0" || !strings.HasPrefix(cal.props["PRODID"], "-//Ampel//") || len(cal.events) != 5 {
		t.Fatalf("calendar %v with %d events", cal.props, len(cal.events))
	}
	ny := eventByUID(t, cal, p.ny.ID)
	for k, v := range map[string]string{
		"DTSTART": "20261126T110000Z", "DTEND": "20261126T140000Z", "SUMMARY": "Network swap", "SEQUENCE": "0",
		"STATUS": "CONFIRMED", "URL": fmt.Sprintf("https://status.example.com/maintenance/%d", p.ny.ID),
		"DTSTAMP": "20261123T110000Z", "LAST-MODIFIED": "20261123T110000Z",
	} {
		if ny[k] != v {
			t.Errorf("%s = %q, want %q", k, ny[k], v)
		}
	}
	if d := icsUnescape(ny["DESCRIPTION"]); d != "We **swap** routers.\n\nStatus: Scheduled\n\nAffects: API, Web <app>" {
		t.Errorf("description %q", d)
	}
	if ev := eventByUID(t, cal, p.off.ID); ev["STATUS"] != "CANCELLED" {
		t.Errorf("cancelled window: %q", ev["STATUS"])
	}

	// A reschedule raises SEQUENCE and moves the times.
	later := t0.Add(time.Hour)
	if _, err := f.store.EditMaintenance(ctx, p.ny.ID, seedActor, "maintenance.patch", later, func(m *store.Maintenance) (*store.MaintenanceUpdate, error) {
		m.ScheduledFor, m.ScheduledUntil = m.ScheduledFor.Add(24*time.Hour), m.ScheduledUntil.Add(24*time.Hour)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.EditMaintenance(ctx, p.upcoming.ID, seedActor, "maintenance.update", later, func(m *store.Maintenance) (*store.MaintenanceUpdate, error) {
		m.Status = "cancelled"
		return &store.MaintenanceUpdate{Status: "cancelled", Body: "Not needed.", At: later}, nil
	}); err != nil {
		t.Fatal(err)
	}
	bump(f)
	cal = parseICS(t, get(f.h, "/maintenance.ics", "192.0.2.1:1", nil).Body.String())
	ny = eventByUID(t, cal, p.ny.ID)
	if ny["SEQUENCE"] != "1" || ny["DTSTART"] != "20261127T110000Z" || ny["LAST-MODIFIED"] != "20261123T120000Z" {
		t.Errorf("rescheduled: %v", ny)
	}
	if ev := eventByUID(t, cal, p.upcoming.ID); ev["STATUS"] != "CANCELLED" || ev["SEQUENCE"] != "1" {
		t.Errorf("cancelled later: %v", ev)
	}
}

// TestICSEscapes: commas, semicolons, backslashes and line breaks in a
// window's name and description stay inside their property.
func TestICSEscapes(t *testing.T) {
	f := newFixture(t)
	name := "Upgrade; phase 1, part \\2\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected"
	m, err := f.store.CreateMaintenance(context.Background(), store.Maintenance{Name: name, Status: "scheduled", Description: strings.Repeat("ü€ long text, ", 30) + "\nEND:VCALENDAR",
		ScheduledFor: t0.Add(time.Hour), ScheduledUntil: t0.Add(2 * time.Hour)},
		store.MaintenanceUpdate{Status: "scheduled", Body: "x", At: t0}, seedActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	bump(f)
	cal := parseICS(t, get(f.h, "/maintenance.ics", "192.0.2.1:1", nil).Body.String())
	if len(cal.events) != 1 {
		t.Fatalf("%d events: the name broke out of its property", len(cal.events))
	}
	ev := eventByUID(t, cal, m.ID)
	if got := icsUnescape(ev["SUMMARY"]); got != strings.ReplaceAll(name, "\r\n", "\n") {
		t.Errorf("summary %q", got)
	}
	if !strings.HasSuffix(icsUnescape(ev["DESCRIPTION"]), "\nEND:VCALENDAR\n\nStatus: Scheduled") {
		t.Errorf("description %q", ev["DESCRIPTION"])
	}
}
