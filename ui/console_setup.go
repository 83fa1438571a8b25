package ui

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Console templates: console/layout.html and every console/partials*.html
// are part of each page's set; every other console/NAME.html is the page
// NAME, rendered by console.render.
const (
	consoleLayout   = "templates/console/layout.html"
	consolePartials = "templates/console/partials*.html"
)

// newConsole builds the console on the public site s: it tells s's page
// cache about edits and shares its static files and Markdown cache, so
// they are loaded and rendered once.
func newConsole(d Deps, s *site) (*console, error) {
	ps, err := parseConsolePages(s.loc())
	if err != nil {
		return nil, err
	}
	return &console{d: d, edited: s.edited, assets: s.assets, md: s.md, pages: ps, limits: newLoginLimits(newSharedLimits(d)),
		publicHost: s.publicHost}, nil
}

// parseConsolePages parses one template set per console page. Their
// times read in loc, the site's zone, like the public pages'.
func parseConsolePages(loc *time.Location) (pages, error) {
	inSite := template.FuncMap{
		"when": func(t time.Time) string { return whenText(t.In(loc)) },
		// A maintenance window's own times read in its own zone.
		"whenAsIs": whenText,
	}
	entries, err := fs.ReadDir(files, "templates/console")
	if err != nil {
		return nil, fmt.Errorf("ui: console templates: %w", err)
	}
	ps := pages{}
	for _, e := range entries {
		file := e.Name()
		name := strings.TrimSuffix(file, ".html")
		if e.IsDir() || path.Ext(file) != ".html" || name == "layout" || strings.HasPrefix(name, "partials") {
			continue
		}
		patterns := []string{consoleLayout, "templates/console/" + file}
		if m, _ := fs.Glob(files, consolePartials); len(m) > 0 {
			patterns = append(patterns, consolePartials)
		}
		t, err := template.New(name).Funcs(funcs).Funcs(inSite).ParseFS(files, patterns...)
		if err != nil {
			return nil, fmt.Errorf("ui: parse console/%s: %w", file, err)
		}
		ps[name] = t
	}
	return ps, nil
}

// message is the data of the plain "message" page.
type message struct {
	Title, Text string
	// Back is where the page's one link goes; the dashboard when empty.
	Back string
}

// plain answers a short page with a title and a sentence: refusals (403,
// 429) and errors a form cannot show next to a field.
func (k *console) plain(c echo.Context, code int, title, text string) error {
	return k.render(c, code, "message", message{Title: title, Text: text})
}

// notFound answers the console's 404 page.
func (k *console) notFound(c echo.Context, what string) error {
	return k.plain(c, http.StatusNotFound, "Not found", "There is no "+what+" here.")
}
