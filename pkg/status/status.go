// Package status holds Ampel's domain vocabulary: the outcome of one probe,
// the levels a check or component can be in, and the records of a change
// between them. It imports nothing of Ampel's so every other package can.
package status

import (
	"fmt"
	"time"
)

// Level is how well something works: the outcome of one probe, the state of a
// check in a zone or across zones, and the status of a component all use it.
// The zero value is NoData: nothing is known yet, which is never counted as up.
type Level uint8

// The levels, in order of severity for Worst (Maintenance is ranked apart).
const (
	NoData Level = iota
	Up
	Degraded
	Partial
	Down
	Maintenance
)

var levelNames = [...]string{
	NoData:      "no_data",
	Up:          "up",
	Degraded:    "degraded",
	Partial:     "partial",
	Down:        "down",
	Maintenance: "maintenance",
}

// Statuspage's component vocabulary for each level. NoData has no word there;
// see Statuspage for how it is shown.
var statuspageNames = [...]string{
	NoData:      "operational",
	Up:          "operational",
	Degraded:    "degraded_performance",
	Partial:     "partial_outage",
	Down:        "major_outage",
	Maintenance: "under_maintenance",
}

// String returns the short name stored in the database ("up", "partial", ...).
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("level(%d)", uint8(l))
}

// Statuspage returns the component status in the Atlassian Statuspage
// vocabulary. Statuspage has no word for "no data"; NoData maps to
// "operational" there and callers that publish it must say separately that
// the component is not observed.
func (l Level) Statuspage() string {
	if int(l) < len(statuspageNames) {
		return statuspageNames[l]
	}
	return "operational"
}

// ParseLevel is the inverse of String.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), nil
		}
	}
	return NoData, fmt.Errorf("unknown level %q", s)
}

// ParseStatuspage maps a Statuspage component status to its level.
func ParseStatuspage(s string) (Level, error) {
	for i, n := range statuspageNames {
		if n == s && Level(i) != NoData {
			return Level(i), nil
		}
	}
	return NoData, fmt.Errorf("unknown component status %q", s)
}

// severity ranks levels for Worst: maintenance is announced and outranks
// the probe-derived levels except an outage, which must never be hidden.
var severity = [...]int{NoData: 0, Up: 1, Degraded: 2, Maintenance: 3, Partial: 4, Down: 5}

// Worse reports whether a is more severe than b.
func Worse(a, b Level) bool { return severity[a] > severity[b] }

// Worst returns the most severe of the levels; NoData only when all are NoData.
func Worst(levels ...Level) Level {
	w := NoData
	for _, l := range levels {
		if Worse(l, w) {
			w = l
		}
	}
	return w
}

// Result is the outcome of one probe run of one check in one zone, against
// one instance when the check targets several (pods); Instance is empty
// otherwise.
type Result struct {
	Check    string
	Zone     string
	Instance string
	Start    time.Time
	Duration time.Duration
	// Outcome is Up, Degraded or Down.
	Outcome Level
	// Reason is short and safe to show the public ("HTTP 503",
	// "timeout after 5s"); empty when up.
	Reason string
	// Detail is the full error for operators; it may name internal targets.
	Detail string
	// Notice is a warning for operators only that leaves Outcome alone
	// (a certificate expiring soon): it raises an operator alert and is
	// never shown on the public page. Empty when there is none.
	Notice string
	// Value is the number the probe measured, when HasValue: for a
	// "metrics" check, the value of the metric its condition judged, in
	// the metric's own unit. It is always finite.
	Value    float64
	HasValue bool
}

// Kind says what a Change is about.
type Kind uint8

// Kinds of subject whose state is tracked.
const (
	// CheckZone is one check as seen from one zone.
	CheckZone Kind = iota + 1
	// Check is one check across its zones (the quorum rule).
	Check
	// Component is what customers see.
	Component
)

var kindNames = [...]string{CheckZone: "check_zone", Check: "check", Component: "component"}

// String returns the name stored in the database.
func (k Kind) String() string {
	if k >= CheckZone && k <= Component {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind is the inverse of String.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if n == s && i != 0 {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown subject kind %q", s)
}

// Change records that a subject moved from one level to another at a time,
// and why. The history of Changes of a subject is its exact status timeline:
// each level holds from its Change until the next one.
type Change struct {
	Kind Kind
	// Subject is the check name (CheckZone, Check) or component slug.
	Subject string
	// Zone is set for CheckZone only.
	Zone string
	At   time.Time
	From Level
	To   Level
	// Cause says why, for people: "2 consecutive failures: HTTP 503",
	// "down in 2 of 3 zones", "check api-health down".
	Cause string
}
