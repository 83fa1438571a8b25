package i18n

import (
	"strconv"
	"strings"
	"time"
)

// The formats below follow CLDR's for each shipped language (its medium
// and long dates, decimal and percent patterns), written out here: the
// pages need a handful of them, and golang.org/x/text formats numbers but
// no dates.

var monthsLong = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
	"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

var monthsShort = map[string][12]string{
	"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	"de": {"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."},
	"es": {"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
}

// known returns lang when it is shipped, else the default language.
func known(lang string) string {
	if _, ok := monthsLong[lang]; ok {
		return lang
	}
	return Languages[0]
}

// Date is a day written out: "December 7, 2026", "7. Dezember 2026",
// "7 de diciembre de 2026".
func Date(lang string, t time.Time) string {
	lang = known(lang)
	m, d, y := monthsLong[lang][t.Month()-1], strconv.Itoa(t.Day()), strconv.Itoa(t.Year())
	switch lang {
	case "de":
		return d + ". " + m + " " + y
	case "es":
		return d + " de " + m + " de " + y
	}
	return m + " " + d + ", " + y
}

// DateShort is a day in the medium form: "Dec 7, 2026", "7. Dez. 2026",
// "7 dic 2026".
func DateShort(lang string, t time.Time) string {
	lang = known(lang)
	return DayMonth(lang, t) + yearSep(lang) + strconv.Itoa(t.Year())
}

// DayMonth is a day without its year: "Dec 7", "7. Dez.", "7 dic".
func DayMonth(lang string, t time.Time) string {
	lang = known(lang)
	m, d := monthsShort[lang][t.Month()-1], strconv.Itoa(t.Day())
	switch lang {
	case "de":
		return d + ". " + m
	case "es":
		return d + " " + m
	}
	return m + " " + d
}

func yearSep(lang string) string {
	if lang == "en" {
		return ", "
	}
	return " "
}

// DateTime is a day and a time of day with its zone, in t's location:
// "Dec 7, 2026, 15:04 UTC", "7. Dez. 2026, 15:04 UTC",
// "7 dic 2026, 15:04 UTC".
func DateTime(lang string, t time.Time) string {
	return DateShort(lang, t) + ", " + t.Format("15:04 MST")
}

// DayTime is DateTime without the year: "Dec 7, 15:04 UTC",
// "7. Dez., 15:04 UTC", "7 dic, 15:04 UTC".
func DayTime(lang string, t time.Time) string {
	return DayMonth(lang, t) + ", " + t.Format("15:04 MST")
}

// MonthYear names a month: "December 2026", "Dezember 2026",
// "diciembre de 2026".
func MonthYear(lang string, t time.Time) string {
	lang = known(lang)
	m, y := monthsLong[lang][t.Month()-1], strconv.Itoa(t.Year())
	if lang == "es" {
		return m + " de " + y
	}
	return m + " " + y
}

// Number formats v with prec decimals and the language's separators:
// "12,345.6", "12.345,6", "12.345,6" (Spanish groups only from five
// digits on: "1234,5").
func Number(lang string, v float64, prec int) string {
	lang = known(lang)
	s := strconv.FormatFloat(v, 'f', prec, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	group, dec := ",", "."
	if lang != "en" {
		group, dec = ".", ","
	}
	if len(whole) > 4 || len(whole) == 4 && lang != "es" {
		var b strings.Builder
		for i, r := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteString(group)
			}
			b.WriteRune(r)
		}
		whole = b.String()
	}
	if neg {
		whole = "-" + whole
	}
	if frac == "" {
		return whole
	}
	return whole + dec + frac
}

// Percent formats a value already in percent with prec decimals:
// "99.95%", "99,95 %" (German and Spanish put a no-break space before
// the sign).
func Percent(lang string, v float64, prec int) string {
	lang = known(lang)
	n := Number(lang, v, prec)
	if lang == "en" {
		return n + "%"
	}
	return n + "\u00a0%"
}

// Duration says how long d is in words, to the minute, in its two
// largest units: "under a minute", "5 minutes", "3 hours and 5 minutes",
// "2 days and 6 hours" (and their German and Spanish forms).
func Duration(lang string, d time.Duration) string {
	mins := int(d.Round(time.Minute) / time.Minute)
	unit := func(key string, n int) string { return T(lang, key, map[string]any{"Count": n}) }
	and := func(a, b string) string { return T(lang, "duration.and", map[string]any{"A": a, "B": b}) }
	switch {
	case mins < 1:
		return T(lang, "duration.under_minute", nil)
	case mins < 60:
		return unit("duration.minutes", mins)
	case mins < 48*60:
		if mins%60 == 0 {
			return unit("duration.hours", mins/60)
		}
		return and(unit("duration.hours", mins/60), unit("duration.minutes", mins%60))
	}
	days, hours := mins/(24*60), mins%(24*60)/60
	if hours == 0 {
		return unit("duration.days", days)
	}
	return and(unit("duration.days", days), unit("duration.hours", hours))
}
