package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"
)

// pages holds one template set per page, each parsed at start-up from
// the layout, the partials and the page itself.
type pages map[string]*template.Template

func parsePages(names ...string) (pages, error) {
	ps := pages{}
	for _, name := range names {
		t, err := template.New(name).Funcs(funcs).ParseFS(files,
			"templates/layout.html", "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("ui: parse %s: %w", name, err)
		}
		ps[name] = t
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

// funcs only format values; views carry everything else.
var funcs = template.FuncMap{
	// iso is the machine-readable time for <time datetime>.
	"iso": func(t time.Time) string { return t.Format(time.RFC3339) },
	// when is the human-readable time in the site's zone (the script
	// rewrites it into the viewer's zone).
	"when": whenText,
	"ago":  ago,
	"join": strings.Join,
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
