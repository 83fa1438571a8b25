package ui

import (
	"html/template"
	"time"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// windowDetail is a maintenance window on the maintenance pages.
type windowDetail struct {
	ID     int64
	Name   string
	Status string
	// Class colours the status: in progress, scheduled, done or
	// cancelled.
	Class     string
	Cancelled bool
	// For and Until are in the window's own zone when it has one; Site
	// repeats them in the site's zone when that differs.
	For, Until         stampView
	SiteFor, SiteUntil stampView
	Duration           string
	Components         []string
	Description        template.HTML
	Updates            []timelineView
	// Open shows the timeline unfolded (a window's own page, or one in
	// progress).
	Open bool
}

// windowClass colours a window's status.
func windowClass(st string) string {
	switch st {
	case incident.InProgress, incident.Verifying:
		return "w-active"
	case incident.Scheduled:
		return "w-scheduled"
	case incident.Cancelled:
		return "w-cancelled"
	}
	return "w-done"
}

func (s *site) windowDetailOf(l loc, m store.Maintenance, names map[string]string) windowDetail {
	v := windowDetail{
		ID: m.ID, Name: m.Name, Status: l.Status(m.Status), Class: windowClass(m.Status),
		Cancelled: m.Status == incident.Cancelled, Duration: l.Duration(m.ScheduledUntil.Sub(m.ScheduledFor)),
		Description: s.render(m.Description),
	}
	v.Open = v.Class == "w-active"
	zone := s.loc()
	v.For, v.Until = stampIn(l, m.ScheduledFor, zone), stampIn(l, m.ScheduledUntil, zone)
	if own, err := time.LoadLocation(m.TimeZone); m.TimeZone != "" && err == nil && own.String() != zone.String() {
		v.SiteFor, v.SiteUntil = v.For, v.Until
		v.For, v.Until = stampIn(l, m.ScheduledFor, own), stampIn(l, m.ScheduledUntil, own)
		v.For.Text += " (" + own.String() + ")"
		v.Until.Text += " (" + own.String() + ")"
	}
	for _, id := range m.ComponentIDs {
		v.Components = append(v.Components, nameOf(names, id))
	}
	ups := latestFirst(m.Updates, func(u store.MaintenanceUpdate) time.Time { return u.At }, func(u store.MaintenanceUpdate) int64 { return u.ID })
	for _, u := range ups {
		v.Updates = append(v.Updates, timelineView{Status: l.Status(u.Status), At: stampIn(l, u.At, zone), Body: s.render(u.Body)})
	}
	return v
}
