package incident

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func field(t *testing.T, err error) string {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FieldError", err)
	}
	return fe.Field
}

func TestStatusMoves(t *testing.T) {
	for _, from := range Statuses[:3] {
		for _, to := range Statuses {
			if err := CheckStatusMove(from, to); err != nil {
				t.Errorf("%s → %s: %v", from, to, err)
			}
		}
	}
	if err := CheckStatusMove(Resolved, Resolved); err != nil {
		t.Errorf("resolved → resolved (a postscript): %v", err)
	}
	for _, to := range Statuses[:3] {
		if err := CheckStatusMove(Resolved, to); err == nil || field(t, err) != "status" {
			t.Errorf("resolved → %s allowed", to)
		}
	}
	if err := CheckStatusMove(Investigating, "fixed"); err == nil || field(t, err) != "status" {
		t.Error("unknown status allowed")
	}
}

func TestImpact(t *testing.T) {
	cases := []struct {
		comps map[string]string
		want  string
	}{
		{nil, ImpactNone},
		{map[string]string{"a": "operational", "b": "under_maintenance"}, ImpactNone},
		{map[string]string{"a": "degraded_performance"}, ImpactMinor},
		{map[string]string{"a": "degraded_performance", "b": "partial_outage"}, ImpactMajor},
		{map[string]string{"a": "major_outage", "b": "partial_outage"}, ImpactCritical},
	}
	for _, c := range cases {
		if got := ComputeImpact(c.comps); got != c.want {
			t.Errorf("ComputeImpact(%v) = %s, want %s", c.comps, got, c.want)
		}
	}
	if got := Impact(ImpactCritical, map[string]string{"a": "degraded_performance"}); got != ImpactCritical {
		t.Errorf("override ignored: %s", got)
	}
	if got := Impact("", map[string]string{"a": "major_outage"}); got != ImpactCritical {
		t.Errorf("computed: %s", got)
	}
	if CheckImpactOverride("") != nil || CheckImpactOverride("minor") != nil {
		t.Error("valid override refused")
	}
	if err := CheckImpactOverride("huge"); err == nil || field(t, err) != "impact_override" {
		t.Error("unknown impact accepted")
	}
}

func TestCheckComponents(t *testing.T) {
	known := func(id string) bool { return id == "api" || id == "web" }
	if err := CheckComponents(map[string]string{"api": "major_outage", "web": "operational"}, known); err != nil {
		t.Fatal(err)
	}
	for _, m := range []map[string]string{{"db": "major_outage"}, {"api": "down"}, {"api": ""}} {
		if err := CheckComponents(m, known); err == nil || field(t, err) != "components" {
			t.Errorf("%v accepted", m)
		}
	}
	if err := CheckComponentIDs([]string{"api", "web"}, known); err != nil {
		t.Fatal(err)
	}
	for _, ids := range [][]string{{"db"}, {"api", "api"}} {
		if err := CheckComponentIDs(ids, known); err == nil || field(t, err) != "component_ids" {
			t.Errorf("%v accepted", ids)
		}
	}
}

func TestTextChecks(t *testing.T) {
	if CheckName("API errors") != nil || CheckName(strings.Repeat("é", MaxNameLen)) != nil {
		t.Error("valid name refused")
	}
	for _, n := range []string{"", strings.Repeat("x", MaxNameLen+1), "\xff"} {
		if err := CheckName(n); err == nil || field(t, err) != "name" {
			t.Errorf("name %.20q accepted", n)
		}
	}
	if CheckBody("") != nil || CheckBody("**ok**") != nil {
		t.Error("valid body refused")
	}
	for _, b := range []string{strings.Repeat("x", MaxBodyLen+1), "\xff"} {
		if err := CheckBody(b); err == nil || field(t, err) != "body" {
			t.Errorf("body %.20q accepted", b)
		}
	}
}

func TestUpdateTime(t *testing.T) {
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	if CheckUpdateTime("created_at", now.Add(-48*time.Hour), now, time.Minute) != nil {
		t.Error("back-dated update refused")
	}
	if CheckUpdateTime("created_at", now.Add(30*time.Second), now, time.Minute) != nil {
		t.Error("update within the skew refused")
	}
	if err := CheckUpdateTime("created_at", now.Add(2*time.Minute), now, time.Minute); err == nil || field(t, err) != "created_at" {
		t.Error("future update accepted")
	}
}

func TestMaintenanceMoves(t *testing.T) {
	ok := [][2]string{
		{Scheduled, InProgress}, {Scheduled, Cancelled}, {Scheduled, Completed}, {Scheduled, Scheduled},
		{InProgress, Verifying}, {InProgress, Completed}, {InProgress, Cancelled},
		{Verifying, InProgress}, {Verifying, Completed}, {Completed, Completed}, {"", Scheduled}, {"", Completed},
	}
	for _, m := range ok {
		if err := CheckMaintenanceMove(m[0], m[1]); err != nil {
			t.Errorf("%s → %s: %v", m[0], m[1], err)
		}
	}
	bad := [][2]string{
		{InProgress, Scheduled}, {Verifying, Scheduled}, {Verifying, Cancelled},
		{Completed, InProgress}, {Cancelled, Scheduled}, {Cancelled, InProgress}, {Scheduled, "done"},
	}
	for _, m := range bad {
		if err := CheckMaintenanceMove(m[0], m[1]); err == nil || field(t, err) != "status" {
			t.Errorf("%s → %s allowed", m[0], m[1])
		}
	}
}

func TestCheckWindow(t *testing.T) {
	from := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	if err := CheckWindow(from, from.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		from, until time.Time
		field       string
	}{
		{time.Time{}, from, "scheduled_for"},
		{from, time.Time{}, "scheduled_until"},
		{from, from, "scheduled_until"},
		{from, from.Add(-time.Hour), "scheduled_until"},
		{from, from.Add(MaxWindow + time.Hour), "scheduled_until"},
	}
	for _, c := range cases {
		if err := CheckWindow(c.from, c.until); err == nil || field(t, err) != c.field {
			t.Errorf("window %v–%v: %v, want field %s", c.from, c.until, err, c.field)
		}
	}
}

func TestReservedAuthor(t *testing.T) {
	for name, want := range map[string]bool{"Ampel": true, " ampel ": true, "AMPEL": true, "Ampel bot": false, "deploy": false, "": false} {
		if got := ReservedAuthor(name); got != want {
			t.Errorf("ReservedAuthor(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestHoldsComponentsAndRefs(t *testing.T) {
	for _, st := range MaintenanceStatuses {
		want := st == InProgress || st == Verifying
		if got := HoldsComponents(st); got != want {
			t.Errorf("HoldsComponents(%q) = %v, want %v", st, got, want)
		}
	}
	if got := IncidentRef(12, "API errors"); got != "incident 12: API errors" {
		t.Errorf("IncidentRef: %q", got)
	}
	if got := MaintenanceRef(3, "DB upgrade"); got != "maintenance 3: DB upgrade" {
		t.Errorf("MaintenanceRef: %q", got)
	}
}
