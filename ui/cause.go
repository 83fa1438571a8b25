package ui

import (
	"regexp"
	"time"
)

// The causes pkg/state and pkg/incident write on a state change are
// English sentences of a few fixed forms, stored as written (the JSON
// and the console show them so). The public pages say them in the
// reader's language: causeWords matches each form, and the parts that
// are not Ampel's words (check and zone names, a probe's reason, an
// incident's title) pass through unchanged. A cause of no known form is
// shown as stored.
var causeWords = []struct {
	re  *regexp.Regexp
	key string
	// names are the template fields of the groups, in order; a name
	// starting with "~" is itself a cause, said in the reader's words.
	names []string
}{
	{regexp.MustCompile(`^all checks up$`), "cause.all_up", nil},
	{regexp.MustCompile(`^no check has data$`), "cause.no_data", nil},
	{regexp.MustCompile(`^up$`), "cause.up", nil},
	{regexp.MustCompile(`^down$`), "cause.down", nil},
	{regexp.MustCompile(`^degraded$`), "cause.degraded", nil},
	{regexp.MustCompile(`^incident (\d+): (.*)$`), "cause.incident", []string{"ID", "Name"}},
	{regexp.MustCompile(`^maintenance (\d+): (.*)$`), "cause.maintenance", []string{"ID", "Name"}},
	{regexp.MustCompile(`^stale: no results from zone (\S+) since (\S+)$`), "cause.stale", []string{"Zone", "@Since"}},
	{regexp.MustCompile(`^(\d+) consecutive failures: (.*)$`), "cause.failures", []string{"Count", "Why"}},
	{regexp.MustCompile(`^recovered after (\d+) successful checks$`), "cause.recovered", []string{"Count"}},
	{regexp.MustCompile(`^(down|degraded) in (.+?) \((\d+) of (\d+) zones; (\d+) of (\d+) zones reporting\)(?:: (.*))?$`), "cause.zones_reporting",
		[]string{"~What", "Zones", "N", "Of", "Fresh", "All", "Reason"}},
	{regexp.MustCompile(`^(down|degraded) in (.+?) \((\d+) of (\d+) zones\)(?:: (.*))?$`), "cause.zones", []string{"~What", "Zones", "N", "Of", "Reason"}},
	{regexp.MustCompile(`^([A-Za-z0-9_.-]+): (.+)$`), "cause.check", []string{"Check", "~Cause"}},
}

// Cause says a state change's cause in the reader's language.
func (l loc) Cause(cause string) string {
	if l.Lang == "en" || l.Lang == "" {
		return cause
	}
	for _, w := range causeWords {
		m := w.re.FindStringSubmatch(cause)
		if m == nil {
			continue
		}
		pairs := []any{}
		for i, name := range w.names {
			v := m[i+1]
			switch name[0] {
			case '~':
				name, v = name[1:], l.Cause(v)
			case '@':
				name = name[1:]
				if t, err := time.Parse(time.RFC3339, v); err == nil {
					v = l.Stamp(t)
				}
			}
			pairs = append(pairs, name, v)
		}
		text := l.T(w.key, pairs...)
		if m[len(m)-1] != "" && w.names != nil && w.names[len(w.names)-1] == "Reason" {
			text = l.T("cause.with_reason", "Text", text, "Reason", m[len(m)-1])
		}
		return text
	}
	return cause
}
