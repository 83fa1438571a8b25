package i18n

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/pelletier/go-toml/v2"
)

// TestEveryKeyInEveryLanguage: each catalogue group (subscribe, mail, …)
// has one file per shipped language, and they define the same keys with
// the same template fields, so no page or mail falls back to English
// (or to a raw key) in part.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	names, err := fs.Glob(locales, "locales/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]map[string]map[string]string{} // group → lang → key → fields
	for _, name := range names {
		base := path.Base(name)
		parts := strings.Split(base, ".")
		if len(parts) != 3 || !slices.Contains(Languages, parts[1]) {
			t.Errorf("%s: want <group>.<lang>.toml with lang one of %v", base, Languages)
			continue
		}
		if groups[parts[0]] == nil {
			groups[parts[0]] = map[string]map[string]string{}
		}
		groups[parts[0]][parts[1]] = keysOf(t, name)
	}
	if len(groups) == 0 {
		t.Fatal("no catalogue files embedded")
	}
	for group, byLang := range groups {
		en := byLang["en"]
		for _, lang := range Languages {
			got, ok := byLang[lang]
			if !ok {
				t.Errorf("%s: no %s.%s.toml", group, group, lang)
				continue
			}
			for key, fields := range en {
				other, ok := got[key]
				if !ok {
					t.Errorf("%s.%s.toml: key %q missing", group, lang, key)
				} else if other != fields {
					t.Errorf("%s.%s.toml: key %q uses fields %s, English uses %s", group, lang, key, other, fields)
				}
			}
			for key := range got {
				if _, ok := en[key]; !ok {
					t.Errorf("%s.%s.toml: key %q is not in English", group, lang, key)
				}
			}
		}
	}
}

// keysOf parses a catalogue file as go-i18n does and returns its keys,
// each with the sorted template fields ({{.Email}}) its text uses.
func keysOf(t *testing.T, name string) map[string]string {
	t.Helper()
	buf, err := fs.ReadFile(locales, name)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := goi18n.ParseMessageFileBytes(buf, name, map[string]goi18n.UnmarshalFunc{"toml": toml.Unmarshal})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	keys := map[string]string{}
	for _, m := range mf.Messages {
		keys[m.ID] = fieldsOf(m.Other + " " + m.One)
	}
	return keys
}

func fieldsOf(text string) string {
	var fields []string
	for _, part := range strings.Split(text, "{{")[1:] {
		f, _, _ := strings.Cut(part, "}}")
		if f = strings.TrimSpace(f); !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	slices.Sort(fields)
	return strings.Join(fields, ",")
}

func TestMatch(t *testing.T) {
	cases := map[string]string{
		"":                          "en",
		"de":                        "de",
		"de-AT":                     "de",
		"de-CH;q=0.9, en;q=0.8":     "de",
		"fr-FR, de;q=0.5":           "de",
		"en-GB,en;q=0.9,de;q=0.8":   "en",
		"fr, ja":                    "en",
		"*":                         "en",
		"not a tag;;;q=x":           "en",
		"DE":                        "de",
		"es-MX":                     "es",
		"es-419, en;q=0.5":          "es",
		"fr-FR, es;q=0.7, de;q=0.5": "es",
		strings.Repeat("de-", 200):  "en",
	}
	for in, want := range cases {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestT(t *testing.T) {
	if got := T("de", "subscribe.submit", nil); got != "Abonnieren" {
		t.Errorf("de subscribe.submit = %q", got)
	}
	if got := T("en", "subscribe.sent_body", map[string]any{"Email": "a@b.example", "Within": "2 days"}); !strings.Contains(got, "a@b.example") || !strings.Contains(got, "2 days") {
		t.Errorf("en sent_body not filled: %q", got)
	}
	// Unknown language: English.
	if got := T("fr", "subscribe.submit", nil); got != "Subscribe" {
		t.Errorf("fr subscribe.submit = %q, want the English text", got)
	}
	// Unknown key: the key.
	if got := T("de", "no.such.key", nil); got != "no.such.key" {
		t.Errorf("missing key = %q", got)
	}
	// Plural forms follow Count.
	if got := T("de", "duration.hours", map[string]any{"Count": 1}); got != "1 Stunde" {
		t.Errorf("de 1 hour = %q", got)
	}
	if got := T("en", "duration.hours", map[string]any{"Count": 48}); got != "48 hours" {
		t.Errorf("en 48 hours = %q", got)
	}
}
