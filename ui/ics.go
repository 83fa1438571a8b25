package ui

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/ical"
	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// icsLimit is how many windows the calendar carries, latest start first.
const icsLimit = 200

// icsType is the iCalendar media type.
const icsType = "text/calendar; charset=utf-8"

// calendar serves /maintenance.ics: one event per window, its SEQUENCE the
// window's revision so calendars replace a rescheduled event, cancelled
// windows marked CANCELLED.
func (s *site) calendar(c echo.Context) error {
	b, l := s.baseOf(c), s.feedLang(c)
	return s.serveFor(c, b, "maintenance.ics"+l.key(), icsType, false, func(b base) ([]byte, error) {
		var ms []store.Maintenance
		if s.d.Store != nil {
			var err error
			if ms, err = s.d.Store.Maintenances(c.Request().Context(), icsLimit); err != nil {
				return nil, err
			}
		}
		names := s.d.Config.ComponentNames()
		var w ical.Writer
		w.Line("BEGIN", "VCALENDAR")
		w.Line("VERSION", "2.0")
		w.Line("PRODID", "-//Ampel//Ampel status page//EN")
		w.Line("CALSCALE", "GREGORIAN")
		w.Line("METHOD", "PUBLISH")
		w.Line("X-WR-CALNAME", ical.Text(l.T("feed.calendar", "Title", s.d.Config.Site.Title)))
		for _, m := range ms {
			s.vevent(&w, b, l, m, names)
		}
		w.Line("END", "VCALENDAR")
		return w.Bytes(), nil
	})
}

func (s *site) vevent(w *ical.Writer, b base, l loc, m store.Maintenance, names map[string]string) {
	id := idString(m.ID)
	w.Line("BEGIN", "VEVENT")
	w.Line("UID", ical.Text("maintenance-"+id+"@"+b.Host))
	// DTSTAMP is the window's last change rather than the time of the
	// request, so an unchanged calendar is byte for byte the same (and
	// its ETag too).
	w.Line("DTSTAMP", ical.UTC(m.Updated))
	w.Line("DTSTART", ical.UTC(m.ScheduledFor))
	w.Line("DTEND", ical.UTC(m.ScheduledUntil))
	w.Line("SUMMARY", ical.Text(m.Name))
	w.Line("DESCRIPTION", ical.Text(windowText(l, m, names)))
	w.Line("URL", l.href(b.URL+"/maintenance/"+id))
	w.Line("SEQUENCE", idString(int64(m.Revision)))
	st := "CONFIRMED"
	if m.Status == incident.Cancelled {
		st = "CANCELLED"
	}
	w.Line("STATUS", st)
	w.Line("CREATED", ical.UTC(m.Created))
	w.Line("LAST-MODIFIED", ical.UTC(m.Updated))
	w.Line("TRANSP", "TRANSPARENT")
	w.Line("END", "VEVENT")
}

// windowText is an event's description: the window's Markdown as
// written (Markdown reads as plain text), its status and what it affects.
func windowText(l loc, m store.Maintenance, names map[string]string) string {
	var parts []string
	if d := strings.TrimSpace(m.Description); d != "" {
		parts = append(parts, d)
	}
	parts = append(parts, l.T("feed.status", "Status", l.Status(m.Status)))
	if len(m.ComponentIDs) > 0 {
		affected := make([]string, 0, len(m.ComponentIDs))
		for _, id := range m.ComponentIDs {
			affected = append(affected, nameOf(names, id))
		}
		parts = append(parts, l.T("feed.affects", "Components", strings.Join(affected, ", ")))
	}
	return strings.Join(parts, "\n\n")
}
