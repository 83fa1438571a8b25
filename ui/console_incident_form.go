package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// componentStatuses are what an incident may set on a component in the
// console ("" leaves it unaffected).
var componentStatuses = []string{"", "operational", "degraded_performance", "partial_outage", "major_outage"}

// componentField is one component's status select.
type componentField struct {
	ID, Name string
	Options  []option
}

// incidentForm is the new-incident form as typed, kept whole when it is
// refused, with its errors by field.
type incidentForm struct {
	Name, Status, ImpactOverride, Body, ETA, At, TimeZone string
	Notify                                                bool
	// Comps are the statuses chosen per component id.
	Comps  map[string]string
	Errors formErrors
}

// incidentFormView is what the new-incident page shows.
type incidentFormView struct {
	opsPage
	incidentForm
	Statuses, Impacts, Zones []option
	Components               []componentField
}

// componentFields builds a status select per configured component, with
// chosen's status selected; current statuses (an open incident's) drop
// the "not affected" choice, since an incident cannot forget a component.
func (ic *incidentConsole) componentFields(chosen, current map[string]string) []componentField {
	var out []componentField
	if ic.d.Config == nil {
		return out
	}
	for _, comp := range ic.d.Config.Components {
		values := componentStatuses
		if _, affected := current[comp.Slug]; affected {
			values = values[1:]
		}
		opts := options(values, chosen[comp.Slug])
		if opts[0].Value == "" {
			opts[0].Label = "Not affected"
		}
		out = append(out, componentField{ID: comp.Slug, Name: comp.Name, Options: opts})
	}
	return out
}

// siteZone is the name of the status page's time zone.
func (ic *incidentConsole) siteZone() string { return locOf(ic.d).String() }

// readComponents reads the component selects (fields "comp.<id>") of a
// form: the chosen statuses, "" for none.
func readComponents(c echo.Context) map[string]string {
	out := map[string]string{}
	params, _ := c.FormParams()
	for key, vals := range params {
		if id, ok := strings.CutPrefix(key, "comp."); ok && len(vals) > 0 {
			out[id] = vals[0]
		}
	}
	return out
}

func readIncidentForm(c echo.Context) incidentForm {
	return incidentForm{
		Name: strings.TrimSpace(c.FormValue("name")), Status: c.FormValue("status"),
		ImpactOverride: c.FormValue("impact_override"), Body: c.FormValue("body"),
		ETA: c.FormValue("eta"), At: c.FormValue("at"), TimeZone: c.FormValue("time_zone"),
		Notify: c.FormValue("notify") == "on", Comps: readComponents(c),
	}
}

// change turns the form into the operation's terms.
func (f incidentForm) change(draft bool) (incidentChange, error) {
	loc, err := loadZone(f.TimeZone)
	if err != nil {
		return incidentChange{}, err
	}
	at, err := parseLocal("at", f.At, loc)
	if err != nil {
		return incidentChange{}, err
	}
	eta, err := parseLocal("eta", f.ETA, loc)
	if err != nil {
		return incidentChange{}, err
	}
	comps := map[string]string{}
	for id, st := range f.Comps {
		if st != "" {
			comps[id] = st
		}
	}
	ch := incidentChange{Name: &f.Name, Status: &f.Status, ImpactOverride: &f.ImpactOverride,
		Body: &f.Body, Notify: &f.Notify, At: at, Components: comps, Draft: &draft}
	if !eta.IsZero() {
		ch.ETA = &eta
	}
	return ch, nil
}

func (ic *incidentConsole) newIncidentPage(c echo.Context) error {
	f := incidentForm{Status: incident.Investigating, TimeZone: ic.siteZone(), Notify: true}
	return ic.renderIncidentForm(c, http.StatusOK, f)
}

func (ic *incidentConsole) renderIncidentForm(c echo.Context, code int, f incidentForm) error {
	v := incidentFormView{opsPage: ic.opsPage(), incidentForm: f,
		Statuses: options(incident.Statuses, f.Status), Impacts: impactOptions(f.ImpactOverride),
		Zones: zoneOptions(f.TimeZone, ic.siteZone()), Components: ic.componentFields(f.Comps, nil)}
	return ic.render(c, code, "incident_new", v)
}

// impactOptions are the impact override's choices, "" for computed.
func impactOptions(selected string) []option {
	opts := options(append([]string{""}, incident.Impacts...), selected)
	opts[0].Label = "Computed from the components"
	return opts
}

// openIncident handles the new-incident form: "Publish" or "Save as
// draft" (the button's value).
func (ic *incidentConsole) openIncident(c echo.Context) error {
	f := readIncidentForm(c)
	draft := c.FormValue("draft") == "1"
	ch, err := f.change(draft)
	var created store.Incident
	if err == nil {
		created, err = ic.ops.openIncident(c.Request().Context(), ic.actor(c), ch)
	}
	if err != nil {
		return ic.refused(c, err, &f.Errors, func() error { return ic.renderIncidentForm(c, http.StatusBadRequest, f) })
	}
	flash := "Incident opened."
	if draft {
		flash = "Draft saved: customers do not see it until you publish it."
	}
	return ic.redirect(c, incidentPath(created.ID), flash)
}

func incidentPath(id int64) string { return "/admin/incidents/" + strconv.FormatInt(id, 10) }

// refused answers an operation's refusal by setting the form's errors
// and showing the form again (rerender reads them); other errors (an
// object gone meanwhile, a failure) are answered as such.
func (ic *incidentConsole) refused(c echo.Context, err error, errs *formErrors, rerender func() error) error {
	fe, ok := refusal(err)
	if !ok {
		return ic.failPage(c, err)
	}
	*errs = fe
	return rerender()
}
