// Package incident holds the rules of incidents and scheduled maintenance,
// with Statuspage's semantics: which statuses exist and which moves between
// them are possible, how an incident's impact follows from the components
// it affects, and what makes an update or a window valid. It stores
// nothing; callers apply these rules before they write.
package incident

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Limits on operator text.
const (
	MaxNameLen = 255      // characters of a title
	MaxBodyLen = 64 << 10 // bytes of a Markdown message
)

// SystemAuthor is the author of the updates Ampel posts itself (the
// maintenance clock, automation). Automation tells its own updates from an
// operator's by this name, so no token may carry it.
const SystemAuthor = "Ampel"

// ReservedAuthor reports whether name would pass for SystemAuthor.
func ReservedAuthor(name string) bool {
	return strings.EqualFold(strings.TrimSpace(name), SystemAuthor)
}

// FieldError is a rule broken by one field of a request.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Incident statuses.
const (
	Investigating = "investigating"
	Identified    = "identified"
	Monitoring    = "monitoring"
	Resolved      = "resolved"
)

// Statuses lists the incident statuses in workflow order.
var Statuses = []string{Investigating, Identified, Monitoring, Resolved}

// CheckStatusMove says whether an incident may go from one status to
// another. Open statuses move freely among themselves (an issue can turn out
// not to be fixed); resolved is final, and a status update that repeats the
// current status is allowed.
func CheckStatusMove(from, to string) error {
	if !oneOf(to, Statuses) {
		return fieldErr("status", "unknown incident status %q (want one of %v)", to, Statuses)
	}
	if from == Resolved && to != Resolved {
		return fieldErr("status", "the incident is resolved: it cannot move back to %s", to)
	}
	return nil
}

// Impacts, from none to worst.
const (
	ImpactNone     = "none"
	ImpactMinor    = "minor"
	ImpactMajor    = "major"
	ImpactCritical = "critical"
)

// Impacts lists the impacts from none to worst.
var Impacts = []string{ImpactNone, ImpactMinor, ImpactMajor, ImpactCritical}

// ComputeImpact is Statuspage's impact of an incident from the statuses it
// sets on its components: the worst of major outage → critical, partial
// outage → major, degraded performance → minor, anything else → none.
func ComputeImpact(components map[string]string) string {
	worst := 0
	for _, s := range components {
		lvl, err := status.ParseStatuspage(s)
		if err != nil {
			continue
		}
		i := 0
		switch lvl {
		case status.Down:
			i = 3
		case status.Partial:
			i = 2
		case status.Degraded:
			i = 1
		}
		worst = max(worst, i)
	}
	return Impacts[worst]
}

// Impact is the impact shown: the override when set, else computed.
func Impact(override string, components map[string]string) string {
	if override != "" {
		return override
	}
	return ComputeImpact(components)
}

// CheckImpactOverride accepts "" (no override) or an impact.
func CheckImpactOverride(s string) error {
	if s != "" && !oneOf(s, Impacts) {
		return fieldErr("impact_override", "unknown impact %q (want one of %v)", s, Impacts)
	}
	return nil
}

// CheckComponents validates the statuses an incident sets on components:
// every id must be known (known reports it) and every status a Statuspage
// component status.
func CheckComponents(components map[string]string, known func(id string) bool) error {
	for id, s := range components {
		if !known(id) {
			return fieldErr("components", "unknown component id %q", id)
		}
		if _, err := status.ParseStatuspage(s); err != nil {
			return fieldErr("components", "component %q: unknown status %q (want operational, degraded_performance, partial_outage, major_outage or under_maintenance)", id, s)
		}
	}
	return nil
}

// CheckName validates a title.
func CheckName(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		return fieldErr("name", "not valid UTF-8")
	case n == 0:
		return fieldErr("name", "required")
	case n > MaxNameLen:
		return fieldErr("name", "%d characters, want at most %d", n, MaxNameLen)
	}
	return nil
}

// CheckBody validates the Markdown message of an update.
func CheckBody(body string) error { return CheckText("body", body) }

// CheckUpdateTime accepts a time for an update: back-dating a forgotten
// entry is allowed, the future is not (skew tolerates clocks a little
// ahead of ours).
func CheckUpdateTime(field string, at, now time.Time, skew time.Duration) error {
	if at.After(now.Add(skew)) {
		return fieldErr(field, "%s is in the future", at.Format(time.RFC3339))
	}
	return nil
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
