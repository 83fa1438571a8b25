// Package i18n is Ampel's message catalogue: the subscribe pages and the
// notification mails look their text up here, by key and language, from
// TOML files embedded in the binary (locales/<group>.<lang>.toml).
//
// The files use go-i18n's format: a key maps to a string, or to a table
// of CLDR plural forms ("one", "other"); nested tables join their keys
// with "." ([subscribe] title = … is the key "subscribe.title"). Text is a
// text/template: {{.Name}} takes args["Name"]. Output is plain text; an
// HTML page escapes it like any other string.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"
)

// Languages are the shipped languages, the default first.
var Languages = []string{"en", "de", "es"}

//go:embed locales/*.toml
var locales embed.FS

var (
	bundle     = mustLoad(locales)
	matcher    = language.NewMatcher(tags(Languages))
	localizers = newLocalizers()
)

// Match returns the shipped language that best fits an Accept-Language
// header (or a bare tag such as "de-AT"), "en" when nothing fits or the
// header does not parse.
func Match(acceptLanguage string) string { return MatchOr(acceptLanguage, Languages[0]) }

// MatchOr is Match with def in place of English when nothing fits: the
// public pages fall back to the site's configured language. q-values
// order the wishes ("es;q=0.5, de" prefers German).
func MatchOr(acceptLanguage, def string) string {
	want, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(want) == 0 {
		return def
	}
	_, i, conf := matcher.Match(want...)
	if conf == language.No {
		return def
	}
	return Languages[i]
}

// T returns the text of key in lang, filled from args. A key missing in
// lang falls back to English, a key missing everywhere to the key itself,
// so a gap in a translation shows up without breaking a page or a mail.
// args["Count"], when present, picks the plural form.
func T(lang, key string, args map[string]any) string {
	l, ok := localizers[lang]
	if !ok {
		l = localizers[Languages[0]]
	}
	cfg := &goi18n.LocalizeConfig{MessageID: key, TemplateData: args}
	if n, ok := args["Count"]; ok {
		cfg.PluralCount = n
	}
	msg, err := l.Localize(cfg)
	if err != nil && msg == "" {
		return key
	}
	return msg
}

// mustLoad reads every embedded catalogue file; a broken one is a build
// defect, caught by the package's tests, so it panics.
func mustLoad(fsys fs.FS) *goi18n.Bundle {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(fsys, "locales/*.toml")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		if _, err := b.LoadMessageFileFS(fsys, name); err != nil {
			panic(fmt.Errorf("i18n: load %s: %w", path.Base(name), err))
		}
	}
	return b
}

func newLocalizers() map[string]*goi18n.Localizer {
	m := make(map[string]*goi18n.Localizer, len(Languages))
	for _, lang := range Languages {
		m[lang] = goi18n.NewLocalizer(bundle, lang)
	}
	return m
}

func tags(langs []string) []language.Tag {
	t := make([]language.Tag, len(langs))
	for i, l := range langs {
		t[i] = language.MustParse(l)
	}
	return t
}
