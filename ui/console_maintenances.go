package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/store"
)

// maintenancesView is the maintenance list: windows not over first
// (soonest first), then the latest past ones.
type maintenancesView struct {
	opsPage
	Open, Past []store.Maintenance
}

func (ic *incidentConsole) maintenancesPage(c echo.Context) error {
	ctx := c.Request().Context()
	open, err := ic.d.Store.OpenMaintenances(ctx)
	if err != nil {
		return err
	}
	recent, err := ic.d.Store.Maintenances(ctx, consoleListLimit+len(open))
	if err != nil {
		return err
	}
	v := maintenancesView{opsPage: ic.opsPage()}
	for _, m := range open {
		v.Open = append(v.Open, ic.inWindowZone(m))
	}
	for _, m := range recent {
		if !slices.ContainsFunc(open, func(o store.Maintenance) bool { return o.ID == m.ID }) && len(v.Past) < consoleListLimit {
			v.Past = append(v.Past, ic.inWindowZone(m))
		}
	}
	return ic.render(c, http.StatusOK, "maintenances", v)
}

// maintenanceForm is the schedule (or edit) form as typed, kept whole
// when refused, with its errors by field.
type maintenanceForm struct {
	Name, Description, For, Until, TimeZone string
	AutoStart, AutoComplete, Notify         bool
	Comps                                   []string
	Errors                                  formErrors
}

// maintenanceFormView adds the form's choices.
type maintenanceFormView struct {
	opsPage
	maintenanceForm
	Zones      []option
	Components []checkbox
}

// checkbox is one component's checkbox.
type checkbox struct {
	ID, Name string
	Checked  bool
}

func (ic *incidentConsole) checkboxes(checked []string) []checkbox {
	var out []checkbox
	if ic.d.Config != nil {
		for _, c := range ic.d.Config.Components {
			out = append(out, checkbox{ID: c.Slug, Name: c.Name, Checked: slices.Contains(checked, c.Slug)})
		}
	}
	return out
}

func readMaintenanceForm(c echo.Context) maintenanceForm {
	params, _ := c.FormParams()
	return maintenanceForm{
		Name: strings.TrimSpace(c.FormValue("name")), Description: c.FormValue("description"),
		For: c.FormValue("scheduled_for"), Until: c.FormValue("scheduled_until"), TimeZone: c.FormValue("time_zone"),
		AutoStart: c.FormValue("auto_start") == "on", AutoComplete: c.FormValue("auto_complete") == "on",
		Notify: c.FormValue("notify") == "on", Comps: params["component"],
	}
}

// change turns the form into the operation's terms.
func (f maintenanceForm) change() (maintenanceChange, error) {
	loc, err := loadZone(f.TimeZone)
	if err != nil {
		return maintenanceChange{}, err
	}
	from, err := parseLocal("scheduled_for", f.For, loc)
	if err != nil {
		return maintenanceChange{}, err
	}
	until, err := parseLocal("scheduled_until", f.Until, loc)
	if err != nil {
		return maintenanceChange{}, err
	}
	comps := f.Comps
	if comps == nil {
		comps = []string{}
	}
	return maintenanceChange{Name: &f.Name, Description: &f.Description, ScheduledFor: &from, ScheduledUntil: &until,
		ComponentIDs: comps, AutoStart: &f.AutoStart, AutoComplete: &f.AutoComplete, TimeZone: &f.TimeZone}, nil
}

func (ic *incidentConsole) newMaintenancePage(c echo.Context) error {
	f := maintenanceForm{TimeZone: ic.siteZone(), AutoStart: true, AutoComplete: true, Notify: true}
	return ic.renderMaintenanceForm(c, http.StatusOK, f)
}

func (ic *incidentConsole) renderMaintenanceForm(c echo.Context, code int, f maintenanceForm) error {
	v := maintenanceFormView{opsPage: ic.opsPage(), maintenanceForm: f, Zones: zoneOptions(f.TimeZone, ic.siteZone()), Components: ic.checkboxes(f.Comps)}
	return ic.render(c, code, "maintenance_new", v)
}

func (ic *incidentConsole) createMaintenance(c echo.Context) error {
	f := readMaintenanceForm(c)
	ch, err := f.change()
	var created store.Maintenance
	if err == nil {
		ch.Notify = &f.Notify
		created, err = ic.ops.createMaintenance(c.Request().Context(), ic.actor(c), ch)
	}
	if err != nil {
		return ic.refused(c, err, &f.Errors, func() error { return ic.renderMaintenanceForm(c, http.StatusBadRequest, f) })
	}
	return ic.redirect(c, maintenancePath(created.ID), "Maintenance scheduled.")
}

// inWindowZone returns m with its window in the zone it was scheduled in.
func (ic *incidentConsole) inWindowZone(m store.Maintenance) store.Maintenance {
	loc := ic.windowLoc(m)
	m.ScheduledFor, m.ScheduledUntil = m.ScheduledFor.In(loc), m.ScheduledUntil.In(loc)
	return m
}

func maintenancePath(id int64) string { return "/admin/maintenances/" + strconv.FormatInt(id, 10) }
