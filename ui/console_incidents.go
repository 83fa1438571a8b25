package ui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// incidentConsole serves the console's incident and maintenance pages
// through the operations the operator API uses (incidentOps), so the
// console and the API follow one set of rules.
type incidentConsole struct {
	*console
	ops *incidentOps
}

// incidentPages adds the incident and maintenance pages to g, the /admin
// group (session and CSRF checked); operators and admins may use them.
func (k *console) incidentPages(g *echo.Group) {
	ic := &incidentConsole{console: k, ops: newIncidentOps(k.d, k.edited)}
	op := k.requireRole(store.RoleOperator)
	g.GET("/incidents", ic.incidentsPage, op)
	g.GET("/incidents/new", ic.newIncidentPage, op)
	g.POST("/incidents", ic.openIncident, op)
	g.GET("/incidents/:id", ic.incidentPage, op)
	g.POST("/incidents/:id/updates", ic.postUpdate, op)
	g.POST("/incidents/:id/edit", ic.editIncident, op)
	g.POST("/incidents/:id/publish", ic.publishIncident, op)
	g.POST("/incidents/:id/postmortem", ic.postmortem, op)

	g.GET("/maintenances", ic.maintenancesPage, op)
	g.GET("/maintenances/new", ic.newMaintenancePage, op)
	g.POST("/maintenances", ic.createMaintenance, op)
	g.GET("/maintenances/:id", ic.maintenancePage, op)
	g.POST("/maintenances/:id/updates", ic.postMaintenanceUpdate, op)
	g.POST("/maintenances/:id/edit", ic.editMaintenance, op)
}

// consoleListLimit is how many resolved incidents and past windows the
// lists show after the open ones.
const consoleListLimit = 50

// incidentsView is the incident list: open ones (drafts included) first,
// then the recently resolved.
type incidentsView struct {
	opsPage
	Open, Resolved []store.Incident
}

// opsPage is what every incident and maintenance page carries: the
// stylesheet of their forms, linked from the page itself.
type opsPage struct{ FormsCSS string }

func (ic *incidentConsole) opsPage() opsPage {
	return opsPage{FormsCSS: ic.assets.url("console_forms.css")}
}

func (ic *incidentConsole) incidentsPage(c echo.Context) error {
	ctx := c.Request().Context()
	open, err := ic.d.Store.Incidents(ctx, true, scanOpenLimit)
	if err != nil {
		return err
	}
	recent, err := ic.d.Store.Incidents(ctx, false, consoleListLimit+len(open))
	if err != nil {
		return err
	}
	loc := ic.siteLoc()
	v := incidentsView{opsPage: ic.opsPage()}
	for _, inc := range open {
		inc.Started = inc.Started.In(loc)
		v.Open = append(v.Open, inc)
	}
	for _, inc := range recent {
		if inc.Status == incident.Resolved && len(v.Resolved) < consoleListLimit {
			inc.Started, inc.Resolved = inc.Started.In(loc), inc.Resolved.In(loc)
			v.Resolved = append(v.Resolved, inc)
		}
	}
	return ic.render(c, http.StatusOK, "incidents", v)
}

// scanOpenLimit bounds the open incidents listed: far more than are ever
// open at once.
const scanOpenLimit = 1000

// failPage answers what a handler could not do: a missing object as the
// console's 404 page, anything else as an error.
func (ic *incidentConsole) failPage(c echo.Context, err error) error {
	switch {
	case errors.Is(err, store.ErrNoIncident):
		return ic.notFound(c, "such incident")
	case errors.Is(err, store.ErrNoMaintenance):
		return ic.notFound(c, "such maintenance window")
	}
	return err
}

// fieldOf returns the field an operation's refusal names, and whether err
// is such a refusal (a rule or a request error) rather than a failure.
func fieldOf(err error) (field, msg string, ok bool) {
	var re *requestError
	var fe *incident.FieldError
	switch {
	case errors.As(err, &re):
		return re.Field, re.Msg, true
	case errors.As(err, &fe):
		return fe.Field, fe.Message, true
	}
	return "", "", false
}

// formErrors maps a form's fields to what is wrong with them.
type formErrors map[string]string

// formField maps the API's field names to the console forms' where they
// differ.
var formField = map[string]string{"component_ids": "components", "display_at": "at"}

// refusal turns an operation's refusal into form errors; ok is false
// when err is not a refusal.
func refusal(err error) (formErrors, bool) {
	field, msg, ok := fieldOf(err)
	if !ok {
		return nil, false
	}
	if f, renamed := formField[field]; renamed {
		field = f
	}
	if field == "" {
		field = "form"
	}
	return formErrors{field: labelled(field, msg)}, true
}

// fieldLabel is the console's label of each field an operation may
// refuse, under its form name: an error says "Ends: must be after
// Starts", as the operator reads the form, not the API's
// "must be after scheduled_for".
var fieldLabel = map[string]string{
	"name": "Title", "status": "Status", "body": "Message to customers", "description": "Description",
	"impact_override": "Impact", "eta": "Estimated resolution", "time_zone": "Time zone",
	"components": "Affected components", "at": "Shown at", "postmortem": "Postmortem",
	"scheduled_for": "Starts", "scheduled_until": "Ends",
}

// labelled is msg about field with the field's label in front and any
// API field name in it replaced by its label.
func labelled(field, msg string) string {
	for api, form := range formField {
		msg = replaceWord(msg, api, fieldLabel[form])
	}
	for name, label := range fieldLabel {
		msg = replaceWord(msg, name, label)
	}
	if label, ok := fieldLabel[field]; ok {
		return label + ": " + msg
	}
	return msg
}

// replaceWord replaces the API's snake_case names in s; plain words
// ("name", "at") are left alone, since they read as English and may
// stand in a sentence ("later").
func replaceWord(s, name, label string) string {
	if label == "" || !strings.Contains(name, "_") {
		return s // plain words ("name", "status") read as English already
	}
	return strings.ReplaceAll(s, name, label)
}
