package ui

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// maintenancePageView is the console's page of one window: its timeline,
// newest first, the update form and the edit (reschedule) form.
type maintenancePageView struct {
	opsPage
	M           store.Maintenance
	Zone        string
	For, Until  time.Time
	Description template.HTML
	Affected    []string
	Timeline    []timelineEntry
	Update      updateForm
	Edit        maintenanceFormView
	// The update form's choices.
	Statuses, UpdateZones []option
}

// windowLoc is the zone a window was scheduled in, else the site's.
func (ic *incidentConsole) windowLoc(m store.Maintenance) *time.Location {
	if m.TimeZone != "" {
		if loc, err := time.LoadLocation(m.TimeZone); err == nil {
			return loc
		}
	}
	return ic.siteLoc()
}

// maintenanceForms are the forms of a window's page as they first show.
func (ic *incidentConsole) maintenanceForms(m store.Maintenance) (updateForm, maintenanceForm) {
	loc := ic.windowLoc(m)
	return updateForm{Status: m.Status, TimeZone: ic.siteZone(), Notify: true},
		maintenanceForm{Name: m.Name, Description: m.Description, For: localValue(m.ScheduledFor, loc),
			Until: localValue(m.ScheduledUntil, loc), TimeZone: loc.String(), AutoStart: m.AutoStart,
			AutoComplete: m.AutoComplete, Comps: m.ComponentIDs}
}

func (ic *incidentConsole) loadMaintenance(c echo.Context) (store.Maintenance, error) {
	id, ok := idParam(c)
	if !ok {
		return store.Maintenance{}, store.ErrNoMaintenance
	}
	return ic.d.Store.Maintenance(c.Request().Context(), id)
}

func (ic *incidentConsole) maintenancePage(c echo.Context) error {
	m, err := ic.loadMaintenance(c)
	if err != nil {
		return ic.failPage(c, err)
	}
	u, e := ic.maintenanceForms(m)
	return ic.renderMaintenance(c, http.StatusOK, m, u, e)
}

func (ic *incidentConsole) renderMaintenance(c echo.Context, code int, m store.Maintenance, u updateForm, e maintenanceForm) error {
	loc := ic.windowLoc(m)
	names := ic.d.Config.ComponentNames()
	v := maintenancePageView{opsPage: ic.opsPage(), M: m, Zone: loc.String(), For: m.ScheduledFor.In(loc), Until: m.ScheduledUntil.In(loc),
		Description: ic.md.render(m.Description), Update: u,
		Edit:     maintenanceFormView{maintenanceForm: e, Zones: zoneOptions(e.TimeZone, ic.siteZone()), Components: ic.checkboxes(e.Comps)},
		Statuses: options(incident.NextMaintenanceStatuses(m.Status), u.Status), UpdateZones: zoneOptions(u.TimeZone, ic.siteZone())}
	for _, id := range m.ComponentIDs {
		if n, ok := names[id]; ok {
			id = n
		}
		v.Affected = append(v.Affected, id)
	}
	ups := latestFirst(m.Updates, func(u store.MaintenanceUpdate) time.Time { return u.At }, func(u store.MaintenanceUpdate) int64 { return u.ID })
	for _, up := range ups {
		v.Timeline = append(v.Timeline, timelineEntry{Status: statusText(up.Status), Author: up.Author,
			At: up.At.In(ic.siteLoc()), Body: ic.md.render(up.Body), Notified: up.DeliverNotifications,
			BackDated: up.Created.Sub(up.At) > clockSkew})
	}
	return ic.render(c, code, "maintenance", v)
}

// postMaintenanceUpdate handles the update form: a status move with a
// note, or a note alone.
func (ic *incidentConsole) postMaintenanceUpdate(c echo.Context) error {
	m, err := ic.loadMaintenance(c)
	if err != nil {
		return ic.failPage(c, err)
	}
	_, e := ic.maintenanceForms(m)
	u := updateForm{Status: c.FormValue("status"), Body: c.FormValue("body"), At: c.FormValue("at"),
		TimeZone: c.FormValue("time_zone"), Notify: c.FormValue("notify") == "on"}
	ch, err := u.maintenanceChange()
	if err == nil {
		_, err = ic.ops.postMaintenanceUpdate(c.Request().Context(), ic.actor(c), m.ID, ch)
	}
	if err != nil {
		return ic.refused(c, err, &u.Errors, func() error { return ic.renderMaintenance(c, http.StatusBadRequest, m, u, e) })
	}
	return ic.redirect(c, maintenancePath(m.ID), "Update posted.")
}

func (u updateForm) maintenanceChange() (maintenanceChange, error) {
	loc, err := loadZone(u.TimeZone)
	if err != nil {
		return maintenanceChange{}, err
	}
	at, err := parseLocal("at", u.At, loc)
	if err != nil {
		return maintenanceChange{}, err
	}
	body := strings.TrimSpace(u.Body)
	return maintenanceChange{Status: &u.Status, Body: &body, Notify: &u.Notify, At: at}, nil
}

// editMaintenance handles the edit form: rename, describe, reschedule,
// change components or the clock's part. It adds nothing to the timeline.
func (ic *incidentConsole) editMaintenance(c echo.Context) error {
	m, err := ic.loadMaintenance(c)
	if err != nil {
		return ic.failPage(c, err)
	}
	u, _ := ic.maintenanceForms(m)
	e := readMaintenanceForm(c)
	ch, err := e.change()
	if err == nil {
		_, err = ic.ops.patchMaintenance(c.Request().Context(), ic.actor(c), m.ID, ch)
	}
	if err != nil {
		return ic.refused(c, err, &e.Errors, func() error { return ic.renderMaintenance(c, http.StatusBadRequest, m, u, e) })
	}
	return ic.redirect(c, maintenancePath(m.ID), "Maintenance saved.")
}
