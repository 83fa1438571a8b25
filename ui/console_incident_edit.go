package ui

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// editIncident handles the edit form: title, impact override and ETA (an
// empty ETA clears it). It adds nothing to the timeline.
func (ic *incidentConsole) editIncident(c echo.Context) error {
	inc, err := ic.loadIncident(c)
	if err != nil {
		return ic.failPage(c, err)
	}
	u, _, p := ic.incidentForms(inc)
	e := editForm{Name: strings.TrimSpace(c.FormValue("name")), ImpactOverride: c.FormValue("impact_override"),
		ETA: c.FormValue("eta"), TimeZone: c.FormValue("time_zone")}
	ch, err := e.change(inc.ETA)
	if err == nil {
		_, err = ic.ops.patchIncident(c.Request().Context(), ic.actor(c), inc.ID, ch)
	}
	if err != nil {
		return ic.refused(c, err, &e.Errors, func() error { return ic.renderIncident(c, http.StatusBadRequest, inc, u, e, p) })
	}
	return ic.redirect(c, incidentPath(inc.ID), "Incident saved.")
}

// change turns the form into the operation's terms. The ETA is sent only
// when it differs from current, so renaming an incident whose ETA has
// passed is not refused for the ETA.
func (e editForm) change(current time.Time) (incidentChange, error) {
	loc, err := loadZone(e.TimeZone)
	if err != nil {
		return incidentChange{}, err
	}
	eta, err := parseLocal("eta", e.ETA, loc)
	if err != nil {
		return incidentChange{}, err
	}
	ch := incidentChange{Name: &e.Name, ImpactOverride: &e.ImpactOverride}
	if !eta.Equal(current.Truncate(time.Minute)) {
		ch.ETA = &eta
	}
	return ch, nil
}

// publishIncident publishes a draft: customers see it from now on, and
// its component statuses apply.
func (ic *incidentConsole) publishIncident(c echo.Context) error {
	inc, err := ic.loadIncident(c)
	if err != nil {
		return ic.failPage(c, err)
	}
	if _, err := ic.ops.patchIncident(c.Request().Context(), ic.actor(c), inc.ID, incidentChange{Draft: ptr(false)}); err != nil {
		u, e, p := ic.incidentForms(inc)
		return ic.refused(c, err, &u.Errors, func() error { return ic.renderIncident(c, http.StatusBadRequest, inc, u, e, p) })
	}
	return ic.redirect(c, incidentPath(inc.ID), "Incident published.")
}

// postmortem handles the postmortem form of a resolved incident; an
// empty text withdraws a published postmortem.
func (ic *incidentConsole) postmortem(c echo.Context) error {
	inc, err := ic.loadIncident(c)
	if err != nil {
		return ic.failPage(c, err)
	}
	u, e, p := ic.incidentForms(inc)
	p = postmortemForm{Text: strings.TrimSpace(c.FormValue("postmortem"))}
	if _, err := ic.ops.publishPostmortem(c.Request().Context(), ic.actor(c), inc.ID, p.Text); err != nil {
		return ic.refused(c, err, &p.Errors, func() error { return ic.renderIncident(c, http.StatusBadRequest, inc, u, e, p) })
	}
	flash := "Postmortem published."
	if p.Text == "" {
		flash = "Postmortem withdrawn."
	}
	return ic.redirect(c, incidentPath(inc.ID), flash)
}
