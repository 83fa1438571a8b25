package ui

import (
	"html/template"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/i18n"
)

// loc translates for one page: templates call {{.L.T "key"}} or, with
// arguments, {{.L.T "key" "Email" .Email}}.
type loc struct {
	Lang string
	// Keep carries ?lang= on in the page's links: the reader chose the
	// language by it (see site.langOf).
	Keep bool
}

// T returns the text of key, filled from name/value pairs.
func (l loc) T(key string, pairs ...any) string {
	var args map[string]any
	if len(pairs) > 0 {
		args = make(map[string]any, len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			if name, ok := pairs[i].(string); ok {
				args[name] = pairs[i+1]
			}
		}
	}
	return i18n.T(l.Lang, key, args)
}

// subPage is what every subscription template receives; the page's own
// data is under .Data.
type subPage struct {
	L     loc
	Site  siteView
	CSS   string
	Langs []langLink
	Data  any
}

// langLink is an entry of the language switch: the same page in Lang.
type langLink struct {
	Lang, Name, URL string
	Current         bool
}

// messageView is a page of a title and a text, with an optional link.
type messageView struct {
	Title, Body    string
	Link, LinkText string
}

func newTemplate(name string, patterns ...string) (*template.Template, error) {
	return template.New(name).Funcs(funcs).ParseFS(files, patterns...)
}

// lang picks the page's language: ?lang=, then the form's lang field,
// then Accept-Language, then site.language.
func (p *subscribePages) lang(c echo.Context, form url.Values) string {
	def := p.site.defaultLang()
	if q := c.QueryParam("lang"); q != "" {
		return i18n.MatchOr(q, def)
	}
	if f := form.Get("lang"); f != "" {
		return i18n.MatchOr(f, def)
	}
	return i18n.MatchOr(c.Request().Header.Get("Accept-Language"), def)
}

// render answers a subscription page. Pages carry addresses and tokens:
// never cached, and their URLs never sent as a referrer to another site
// (same-origin, not no-referrer: with no-referrer browsers send
// "Origin: null" on the page's own forms, which the Origin check must
// refuse).
func (p *subscribePages) render(c echo.Context, code int, lang, name string, data any) error {
	body, err := p.pages.render(name, subPage{
		L: loc{Lang: lang}, Site: p.site.siteView(p.site.now()), CSS: p.site.assets.url("subscribe.css"),
		Langs: switchLinks(c.Request().URL, lang), Data: data,
	})
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	return c.HTMLBlob(code, body)
}

// message answers a page of a title and a text, both catalogue keys.
func (p *subscribePages) message(c echo.Context, code int, lang, title, body string, args map[string]any) error {
	l := loc{Lang: lang}
	v := messageView{Title: l.T(title), Body: i18n.T(lang, body, args), Link: "/", LinkText: l.T("subscribe.back")}
	return p.render(c, code, lang, "subscribe_message", v)
}

// componentGroup is a fieldset of component checkboxes; Name is empty for
// components outside any group.
type componentGroup struct {
	Name  string
	Items []componentItem
}

type componentItem struct {
	Slug, Name string
	Checked    bool
}

// componentGroups lists the configured components by group, in the
// config's order, with chosen ones checked.
func (p *subscribePages) componentGroups(chosen []string) []componentGroup {
	var groups []componentGroup
	index := map[string]int{}
	for _, comp := range p.d.Config.Components {
		i, ok := index[comp.Group]
		if !ok {
			i = len(groups)
			index[comp.Group] = i
			groups = append(groups, componentGroup{Name: comp.Group})
		}
		groups[i].Items = append(groups[i].Items, componentItem{
			Slug: comp.Slug, Name: comp.Name, Checked: slices.Contains(chosen, comp.Slug)})
	}
	return groups
}

// duration says d in words: whole hours when it is whole hours, else
// minutes (rounded up, so a wait is never understated).
func duration(lang string, d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return i18n.T(lang, "duration.hours", map[string]any{"Count": int(d / time.Hour)})
	}
	if d >= 2*time.Hour {
		return i18n.T(lang, "duration.hours", map[string]any{"Count": int((d + time.Hour - 1) / time.Hour)})
	}
	return i18n.T(lang, "duration.minutes", map[string]any{"Count": int((d + time.Minute - 1) / time.Minute)})
}
