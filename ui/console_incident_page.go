package ui

import (
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// incidentPageView is the console's page of one incident: its timeline,
// newest first, and the forms that change it.
type incidentPageView struct {
	opsPage
	Inc        store.Incident
	ImpactText string
	ETA        time.Time
	Affected   []affectedLine
	Timeline   []timelineEntry
	Postmortem template.HTML
	Update     updateForm
	Edit       editForm
	PM         postmortemForm
	// The forms' choices.
	Statuses, Impacts, UpdateZones, EditZones []option
	Components                                []componentField
}

// affectedLine is a component and the status an incident or update sets.
type affectedLine struct{ Name, Status string }

// timelineEntry is one update as the console shows it.
type timelineEntry struct {
	Status, Author string
	At             time.Time
	Body           template.HTML
	Components     []affectedLine
	Notified       bool
	// BackDated is set when the update was written later than shown.
	BackDated bool
}

// updateForm is the post-an-update form as typed, and its errors.
type updateForm struct {
	Status, Body, At, TimeZone string
	Notify                     bool
	Comps                      map[string]string
	Errors                     formErrors
}

// editForm is the edit form (title, impact override, ETA).
type editForm struct {
	Name, ImpactOverride, ETA, TimeZone string
	Errors                              formErrors
}

// postmortemForm is the postmortem form.
type postmortemForm struct {
	Text   string
	Errors formErrors
}

// siteLoc is the status page's time zone.
func (ic *incidentConsole) siteLoc() *time.Location { return locOf(ic.d) }

// affected lists statuses by component, in the config's order (unknown
// ids, of components since removed, last by id).
func (ic *incidentConsole) affected(comps map[string]string) []affectedLine {
	names := ic.d.Config.ComponentNames()
	var out []affectedLine
	if ic.d.Config != nil {
		for _, c := range ic.d.Config.Components {
			if st, ok := comps[c.Slug]; ok {
				out = append(out, affectedLine{Name: c.Name, Status: statusText(st)})
			}
		}
	}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range comps {
			if _, known := names[id]; !known && !yield(id) {
				return
			}
		}
	}) {
		out = append(out, affectedLine{Name: id, Status: statusText(comps[id])})
	}
	return out
}

// incidentForms are the forms of an incident page as they first show.
func (ic *incidentConsole) incidentForms(inc store.Incident) (updateForm, editForm, postmortemForm) {
	zone := ic.siteZone()
	return updateForm{Status: inc.Status, TimeZone: zone, Notify: true, Comps: inc.Components},
		editForm{Name: inc.Name, ImpactOverride: inc.ImpactOverride, ETA: localValue(inc.ETA, ic.siteLoc()), TimeZone: zone},
		postmortemForm{Text: inc.Postmortem}
}

func (ic *incidentConsole) incidentPage(c echo.Context) error {
	inc, err := ic.loadIncident(c)
	if err != nil {
		return ic.failPage(c, err)
	}
	u, e, p := ic.incidentForms(inc)
	return ic.renderIncident(c, http.StatusOK, inc, u, e, p)
}

func (ic *incidentConsole) loadIncident(c echo.Context) (store.Incident, error) {
	id, ok := idParam(c)
	if !ok {
		return store.Incident{}, store.ErrNoIncident
	}
	return ic.d.Store.Incident(c.Request().Context(), id)
}

func (ic *incidentConsole) renderIncident(c echo.Context, code int, inc store.Incident, u updateForm, e editForm, p postmortemForm) error {
	loc := ic.siteLoc()
	inc.Started, inc.PostmortemAt = inc.Started.In(loc), inc.PostmortemAt.In(loc)
	v := incidentPageView{opsPage: ic.opsPage(), Inc: inc, ImpactText: impactText(inc.Impact), Affected: ic.affected(inc.Components),
		Postmortem: ic.md.render(inc.Postmortem), Update: u, Edit: e, PM: p,
		Statuses: options(incident.Statuses, u.Status), Impacts: impactOptions(e.ImpactOverride),
		UpdateZones: zoneOptions(u.TimeZone, ic.siteZone()), EditZones: zoneOptions(e.TimeZone, ic.siteZone()),
		Components: ic.componentFields(u.Comps, inc.Components)}
	if !inc.ETA.IsZero() {
		v.ETA = inc.ETA.In(loc)
	}
	ups := latestFirst(inc.Updates, func(u store.IncidentUpdate) time.Time { return u.At }, func(u store.IncidentUpdate) int64 { return u.ID })
	for _, up := range ups {
		v.Timeline = append(v.Timeline, timelineEntry{Status: statusText(up.Status), Author: up.Author,
			At: up.At.In(loc), Body: ic.md.render(up.Body), Components: ic.affected(up.Components),
			Notified: up.DeliverNotifications, BackDated: up.Created.Sub(up.At) > clockSkew})
	}
	return ic.render(c, code, "incident", v)
}

// postUpdate handles the post-an-update form. Only the components whose
// status the form changes go into the update.
func (ic *incidentConsole) postUpdate(c echo.Context) error {
	inc, err := ic.loadIncident(c)
	if err != nil {
		return ic.failPage(c, err)
	}
	_, e, p := ic.incidentForms(inc)
	u := updateForm{Status: c.FormValue("status"), Body: c.FormValue("body"), At: c.FormValue("at"),
		TimeZone: c.FormValue("time_zone"), Notify: c.FormValue("notify") == "on", Comps: readComponents(c)}
	ch, err := u.change(inc.Components)
	if err == nil {
		_, err = ic.ops.postIncidentUpdate(c.Request().Context(), ic.actor(c), inc.ID, ch)
	}
	if err != nil {
		return ic.refused(c, err, &u.Errors, func() error { return ic.renderIncident(c, http.StatusBadRequest, inc, u, e, p) })
	}
	return ic.redirect(c, incidentPath(inc.ID), "Update posted.")
}

func (u updateForm) change(current map[string]string) (incidentChange, error) {
	loc, err := loadZone(u.TimeZone)
	if err != nil {
		return incidentChange{}, err
	}
	at, err := parseLocal("at", u.At, loc)
	if err != nil {
		return incidentChange{}, err
	}
	comps := map[string]string{}
	for id, st := range u.Comps {
		if st != "" && st != current[id] {
			comps[id] = st
		}
	}
	body := strings.TrimSpace(u.Body)
	return incidentChange{Status: &u.Status, Body: &body, Notify: &u.Notify, At: at, Components: comps}, nil
}
