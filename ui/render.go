package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// pages holds one template set per page and language variant (see
// variants), each parsed at start-up from the layout, the partials and
// the page itself, with the variant's functions bound: {{T "key"}} and
// the formatters speak the reader's language in every partial.
type pages map[string]*template.Template

func parsePages(names ...string) (pages, error) {
	ps := pages{}
	for _, name := range names {
		t, err := template.New(name).Funcs(funcs).Funcs(loc{}.funcs()).ParseFS(files,
			"templates/layout.html", "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("ui: parse %s: %w", name, err)
		}
		for _, l := range variants() {
			v, err := t.Clone()
			if err != nil {
				return nil, fmt.Errorf("ui: clone %s: %w", name, err)
			}
			ps[name+l.key()] = v.Funcs(l.funcs())
		}
	}
	return ps, nil
}

// render executes a page into a buffer, so a failing template never sends
// half a page.
func (ps pages) render(name string, view any) ([]byte, error) {
	var buf bytes.Buffer
	if err := ps[name].ExecuteTemplate(&buf, "layout", view); err != nil {
		return nil, fmt.Errorf("ui: render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// renderIn renders a public page in l's language (see parsePages).
func (ps pages) renderIn(name string, l loc, view any) ([]byte, error) {
	return ps.render(name+l.key(), view)
}

// funcs only format values; views carry everything else.
var funcs = template.FuncMap{
	// iso is the machine-readable time for <time datetime>.
	"iso": func(t time.Time) string { return t.Format(time.RFC3339) },
	// when is the human-readable time in the site's zone (the script
	// rewrites it into the viewer's zone).
	"when":   whenText,
	"ago":    ago,
	"join":   strings.Join,
	"plural": plural,
	"actor":  actorText,
}

// actorText names who made an audited change: a user by their address,
// a token by its name, and a command or Ampel itself as it calls itself
// ("ampel (scheduler)"); the command line's own names ("cli",
// "cli:NAME") read as what they are.
func actorText(a store.Actor) string {
	switch a.Kind {
	case store.ActorUser:
		return a.Name
	case store.ActorToken:
		return "API token " + strconv.Quote(a.Name)
	}
	if a.Name == "" || a.Name == store.ActorCLI {
		return "the command line"
	}
	if name, ok := strings.CutPrefix(a.Name, store.ActorCLI+":"); ok {
		return "the command line (" + name + ")"
	}
	return a.Name
}

// ago says how long before now t was, coarsely.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "never"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// whenText is a time as the pages show it, in its own location.
func whenText(t time.Time) string { return t.Format("Jan 2, 15:04 MST") }
