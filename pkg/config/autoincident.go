package config

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// AutoIncident is a component's automation: when its probes put it at
// OpenOn or worse, an incident is opened from the templates, and updated
// as "monitoring" then "resolved" when they recover. In the templates,
// {component} stands for the component's name.
type AutoIncident struct {
	// OpenOn is "major_outage" (default) or "partial_outage".
	OpenOn string `toml:"open_on"`
	// Publish opens the incident published (default true); false opens a
	// draft for an operator to publish.
	Publish bool `toml:"publish"`
	// Name is the incident's title (default "{component} is unavailable").
	Name string `toml:"name"`
	// Body is the first update's Markdown, also posted when the problem
	// comes back while the incident is open.
	Body string `toml:"body"`
	// RecoveredBody is posted as "monitoring" when the probes recover;
	// ResolvedBody as "resolved" once they have stayed up StableFor.
	RecoveredBody string   `toml:"recovered_body"`
	ResolvedBody  string   `toml:"resolved_body"`
	StableFor     Duration `toml:"stable_for"`
	// CoolDown is how long after an automatic incident of the component is
	// resolved no new one opens (default 30m; "0s" for none).
	CoolDown Duration `toml:"cool_down"`
}

// Defaults of AutoIncident.
const (
	defaultAutoName          = "{component} is unavailable"
	defaultAutoBody          = "We are investigating problems with {component}."
	defaultAutoRecoveredBody = "{component} is working again. We are monitoring the results."
	defaultAutoResolvedBody  = "{component} has been working normally since. This incident is resolved."
	defaultAutoStableFor     = 10 * time.Minute
	defaultAutoCoolDown      = 30 * time.Minute
)

// Limits an incident's text must keep (package incident's, which config
// may not import).
const (
	maxIncidentName = 255
	maxIncidentBody = 64 << 10
)

// completeAutoIncident fills in the defaults of the keys not written.
func (v *checker) completeAutoIncident(path string, a *AutoIncident) {
	if !v.set(path + ".publish") {
		a.Publish = true
	}
	for _, d := range []struct {
		s   *string
		def string
	}{{&a.OpenOn, "major_outage"}, {&a.Name, defaultAutoName}, {&a.Body, defaultAutoBody},
		{&a.RecoveredBody, defaultAutoRecoveredBody}, {&a.ResolvedBody, defaultAutoResolvedBody}} {
		if *d.s == "" {
			*d.s = d.def
		}
	}
	if !v.set(path + ".stable_for") {
		a.StableFor = Duration(defaultAutoStableFor)
	}
	if !v.set(path + ".cool_down") {
		a.CoolDown = Duration(defaultAutoCoolDown)
	}
}

// placeholder finds what looks like a template placeholder.
var placeholder = regexp.MustCompile(`\{[A-Za-z_]+\}`)

// autoIncident validates a component's automation; comp is its name.
func (v *checker) autoIncident(path, comp string, a *AutoIncident) {
	if a.OpenOn != "major_outage" && a.OpenOn != "partial_outage" {
		v.addf(path+".open_on", `must be "major_outage" or "partial_outage", got %q`, a.OpenOn)
	}
	name := Expand(a.Name, comp)
	switch n := utf8.RuneCountInString(name); {
	case strings.TrimSpace(a.Name) == "":
		v.addf(path+".name", "must not be empty")
	case n > maxIncidentName:
		v.addf(path+".name", "%d characters with the component's name, want at most %d", n, maxIncidentName)
	}
	for _, t := range []struct{ key, s string }{{"name", a.Name}, {"body", a.Body},
		{"recovered_body", a.RecoveredBody}, {"resolved_body", a.ResolvedBody}} {
		key, s := t.key, t.s
		for _, p := range placeholder.FindAllString(s, -1) {
			if p != "{component}" {
				v.addf(path+"."+key, "unknown placeholder %s (only {component} is replaced)", p)
				break
			}
		}
		if key != "name" && len(Expand(s, comp)) > maxIncidentBody {
			v.addf(path+"."+key, "longer than %d bytes", maxIncidentBody)
		}
	}
	if v.durationKey(path+".stable_for") && a.StableFor.D() < time.Second {
		v.addf(path+".stable_for", "must be at least 1s, got %s", a.StableFor)
	}
	if v.durationKey(path+".cool_down") && a.CoolDown < 0 {
		v.addf(path+".cool_down", "must not be negative")
	}
}

// Expand replaces {component} in an automation template with name.
func Expand(template, name string) string {
	return strings.ReplaceAll(template, "{component}", name)
}
