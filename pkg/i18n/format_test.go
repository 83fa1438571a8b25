package i18n

import (
	"testing"
	"time"
)

func TestDates(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 15, 4, 0, 0, berlin)
	may := time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)
	for _, c := range []struct{ lang, got, want string }{
		{"en", Date("en", at), "December 7, 2026"},
		{"de", Date("de", at), "7. Dezember 2026"},
		{"es", Date("es", at), "7 de diciembre de 2026"},
		{"en", DateShort("en", at), "Dec 7, 2026"},
		{"de", DateShort("de", at), "7. Dez. 2026"},
		{"es", DateShort("es", at), "7 dic 2026"},
		{"de", DateShort("de", may), "1. Mai 2026"},
		{"en", DateTime("en", at), "Dec 7, 2026, 15:04 CET"},
		{"de", DateTime("de", at), "7. Dez. 2026, 15:04 CET"},
		{"es", DateTime("es", may), "1 may 2026, 09:30 UTC"},
		{"en", DayTime("en", at), "Dec 7, 15:04 CET"},
		{"de", DayTime("de", at), "7. Dez., 15:04 CET"},
		{"es", DayTime("es", at), "7 dic, 15:04 CET"},
		{"en", MonthYear("en", at), "December 2026"},
		{"de", MonthYear("de", at), "Dezember 2026"},
		{"es", MonthYear("es", at), "diciembre de 2026"},
		{"xx", Date("xx", at), "December 7, 2026"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.lang, c.got, c.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Percent("en", 99.95, 2), "99.95%"},
		{Percent("de", 99.95, 2), "99,95\u00a0%"},
		{Percent("es", 99.95, 2), "99,95\u00a0%"},
		{Percent("de", 100, 3), "100,000\u00a0%"},
		{Number("en", 12345.67, 1), "12,345.7"},
		{Number("de", 12345.67, 1), "12.345,7"},
		{Number("es", 12345.67, 1), "12.345,7"},
		{Number("en", 1234, 0), "1,234"},
		{Number("de", 1234, 0), "1.234"},
		{Number("es", 1234, 0), "1234"}, // Spanish groups from five digits
		{Number("de", 1234567.5, 2), "1.234.567,50"},
		{Number("de", -1500.25, 1), "-1.500,2"},
		{Number("en", 0.1, 1), "0.1"},
		{Number("es", 999, 0), "999"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"en", 20 * time.Second, "under a minute"},
		{"en", time.Minute, "1 minute"},
		{"en", 54 * time.Hour, "2 days and 6 hours"},
		{"en", 150 * time.Minute, "2 hours and 30 minutes"},
		{"en", 72 * time.Hour, "3 days"},
		{"de", 54 * time.Hour, "2 Tage und 6 Stunden"},
		{"de", 61 * time.Minute, "1 Stunde und 1 Minute"},
		{"de", 20 * time.Second, "unter einer Minute"},
		{"es", 54 * time.Hour, "2 días y 6 horas"},
		{"es", 49 * time.Hour, "2 días y 1 hora"},
		{"es", 45 * time.Minute, "45 minutos"},
	} {
		if got := Duration(c.lang, c.d); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.lang, c.d, got, c.want)
		}
	}
}

// TestMatchOr: Accept-Language by its q-values, a bare tag, and the
// default for nothing known or a header that does not parse.
func TestMatchOr(t *testing.T) {
	for header, want := range map[string]string{
		"":                           "es",
		"de-AT":                      "de",
		"fr-CH, fr;q=0.9, es;q=0.5":  "es",
		"en;q=0.1, de;q=0.9":         "de",
		"es-419,es;q=0.9,en;q=0.8":   "es",
		"fr, it":                     "es",
		"de;q=0, en":                 "en",
		"\x00garbage;;q=x":           "es",
		"en-GB,en-US;q=0.9,en;q=0.8": "en",
		"pt-BR,pt;q=0.9,de-DE;q=0.5": "de",
		"zh-Hans-CN;q=0.9, es;q=0.3": "es",
	} {
		if got := MatchOr(header, "es"); got != want {
			t.Errorf("MatchOr(%q): %s, want %s", header, got, want)
		}
	}
}
