package config

import (
	"testing"
	"time"
)

func TestAutoIncidentDefaultsAndValues(t *testing.T) {
	doc := `
[[components]]
slug = "api"
name = "API"

[[components]]
slug = "web"
name = "Web"
  [components.auto_incident]

[[components]]
slug = "db"
name = "Database"
  [components.auto_incident]
  open_on = "partial_outage"
  publish = false
  name = "{component} outage"
  body = "Looking into {component}."
  recovered_body = "Back."
  resolved_body = "Done."
  stable_for = "2m"
  cool_down = "0s"
`
	cfg, err := Parse("c.toml", []byte(doc), kinds)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Components[0].AutoIncident != nil {
		t.Errorf("api: automation on without its table: %+v", cfg.Components[0].AutoIncident)
	}
	want := AutoIncident{OpenOn: "major_outage", Publish: true, Name: defaultAutoName, Body: defaultAutoBody,
		RecoveredBody: defaultAutoRecoveredBody, ResolvedBody: defaultAutoResolvedBody,
		StableFor: Duration(10 * time.Minute), CoolDown: Duration(30 * time.Minute)}
	if got := cfg.Components[1].AutoIncident; got == nil || *got != want {
		t.Errorf("web: defaults %+v, want %+v", got, want)
	}
	want = AutoIncident{OpenOn: "partial_outage", Publish: false, Name: "{component} outage", Body: "Looking into {component}.",
		RecoveredBody: "Back.", ResolvedBody: "Done.", StableFor: Duration(2 * time.Minute), CoolDown: 0}
	if got := cfg.Components[2].AutoIncident; got == nil || *got != want {
		t.Errorf("db: %+v, want %+v", got, want)
	}
	if got := Expand(cfg.Components[2].AutoIncident.Name, "Database"); got != "Database outage" {
		t.Errorf("Expand = %q", got)
	}
}
