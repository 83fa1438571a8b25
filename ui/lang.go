package ui

import (
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/pkg/status"
)

// english formats what stays English whatever the reader's language:
// badges and the JSON APIs (Statuspage's clients read them).
var english = loc{Lang: "en"}

// langOf picks a public page's language: ?lang= (and then the page's
// links keep it), else Accept-Language with its q-values, else the
// site's configured language.
func (s *site) langOf(c echo.Context) loc {
	def := s.defaultLang()
	if q := c.QueryParam("lang"); q != "" {
		return loc{Lang: i18n.MatchOr(q, def), Keep: true}
	}
	return loc{Lang: i18n.MatchOr(c.Request().Header.Get("Accept-Language"), def)}
}

func (s *site) defaultLang() string {
	if s.d.Config != nil && s.d.Config.Site.Language != "" {
		return s.d.Config.Site.Language
	}
	return i18n.Languages[0]
}

// key is the part of a cache key that tells the languages' pages apart:
// an English and a German reader of the same path never get each
// other's page, and links carry ?lang= on only when it was asked for.
func (l loc) key() string {
	if l.Keep {
		return "|" + l.Lang + "|keep"
	}
	return "|" + l.Lang
}

// href is a link within the site, with ?lang= when the reader chose the
// language that way (a reader whose browser chose it needs none).
func (l loc) href(path string) string {
	if !l.Keep || path == "" {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	if i := strings.IndexByte(path, '#'); i >= 0 {
		return path[:i] + sep + "lang=" + l.Lang + path[i:]
	}
	return path + sep + "lang=" + l.Lang
}

// Level is a status level in words: "Operational", "Betriebsbereit".
func (l loc) Level(lv status.Level) string { return l.T("level." + lv.String()) }

// Status is an incident's or a window's Statuspage status in words.
func (l loc) Status(st string) string {
	if st == "" {
		return ""
	}
	if text := l.T("status." + st); text != "status."+st {
		return text
	}
	return statusText(st)
}

// Impact is an incident's impact in words.
func (l loc) Impact(impact string) string {
	if impact == "" {
		impact = "none"
	}
	if text := l.T("impact." + impact); text != "impact."+impact {
		return text
	}
	return impactText(impact)
}

// Count is a plural text: key's form for n, filled with {{.Count}}.
func (l loc) Count(key string, n int) string { return l.T(key, "Count", n) }

// Duration says how long d is in words.
func (l loc) Duration(d time.Duration) string { return i18n.Duration(l.Lang, d) }

// Stamp is a time with its year and zone, for history and reports.
func (l loc) Stamp(t time.Time) string { return i18n.DateTime(l.Lang, t) }

// When is a time without its year (the script rewrites it into the
// viewer's zone).
func (l loc) When(t time.Time) string { return i18n.DayTime(l.Lang, t) }

// Pct formats a value in percent with prec decimals.
func (l loc) Pct(v float64, prec int) string { return i18n.Percent(l.Lang, v, prec) }

// decimal puts the language's decimal separator into a number Go
// formatted ("1.5" is "1,5" in German and Spanish).
func (l loc) decimal(s string) string {
	if l.Lang == "en" || l.Lang == "" {
		return s
	}
	return strings.Replace(s, ".", ",", 1)
}

// Num formats a number with prec decimals.
func (l loc) Num(v float64, prec int) string { return i18n.Number(l.Lang, v, prec) }

// funcs are the page templates' functions bound to the reader's
// language: {{T "key"}}, {{href "/path"}}, and the formatters.
func (l loc) funcs() template.FuncMap {
	return template.FuncMap{
		"T":     l.T,
		"href":  l.href,
		"when":  l.When,
		"ago":   l.ago,
		"count": l.Count,
		"date":  func(t time.Time) string { return i18n.Date(l.Lang, t) },
		"lang":  func() string { return l.Lang },
		"keep":  func() bool { return l.Keep },
	}
}

// ago says how long before now t was, coarsely.
func (l loc) ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return l.T("ago.never")
	case d < time.Minute:
		return l.T("ago.now")
	case d < time.Hour:
		return l.T("ago.minutes", "Count", int(d/time.Minute))
	case d < 48*time.Hour:
		return l.T("ago.hours", "Count", int(d/time.Hour))
	}
	return l.T("ago.days", "Count", int(d/(24*time.Hour)))
}

// switchLinks links the page the reader is on in every shipped
// language, keeping its other query parameters (?page=2).
func switchLinks(u *url.URL, current string) []langLink {
	links := make([]langLink, 0, len(i18n.Languages))
	for _, lang := range i18n.Languages {
		q := u.Query()
		q.Set("lang", lang)
		links = append(links, langLink{Lang: lang, Name: i18n.T(lang, "lang."+lang, nil),
			URL: u.Path + "?" + q.Encode(), Current: lang == current})
	}
	return links
}

// variants are the languages a page template is prepared in, each with
// and without ?lang= carried on in links.
func variants() []loc {
	var out []loc
	for _, lang := range i18n.Languages {
		out = append(out, loc{Lang: lang}, loc{Lang: lang, Keep: true})
	}
	return out
}
