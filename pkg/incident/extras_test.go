package incident

import (
	"strings"
	"testing"
	"time"
)

func TestCheckText(t *testing.T) {
	if CheckText("description", "") != nil || CheckText("description", "# Plan") != nil {
		t.Error("valid text refused")
	}
	for _, s := range []string{strings.Repeat("x", MaxBodyLen+1), "\xff"} {
		if err := CheckText("description", s); err == nil || field(t, err) != "description" {
			t.Errorf("text %.20q accepted", s)
		}
	}
}

func TestCheckPostmortem(t *testing.T) {
	if err := CheckPostmortem(Resolved, "## What happened"); err != nil {
		t.Fatal(err)
	}
	for _, st := range Statuses[:3] {
		if err := CheckPostmortem(st, "early"); err == nil || field(t, err) != "postmortem" {
			t.Errorf("postmortem on a %s incident accepted", st)
		}
	}
	if err := CheckPostmortem(Resolved, strings.Repeat("x", MaxBodyLen+1)); err == nil || field(t, err) != "postmortem" {
		t.Error("oversized postmortem accepted")
	}
}

func TestCheckETA(t *testing.T) {
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	if CheckETA(Investigating, now.Add(time.Hour), now, time.Minute) != nil || CheckETA(Resolved, time.Time{}, now, time.Minute) != nil {
		t.Error("valid ETA refused")
	}
	if CheckETA(Identified, now.Add(-30*time.Second), now, time.Minute) != nil {
		t.Error("ETA within the skew refused")
	}
	if err := CheckETA(Identified, now.Add(-time.Hour), now, time.Minute); err == nil || field(t, err) != "eta" {
		t.Error("past ETA accepted")
	}
	if err := CheckETA(Resolved, now.Add(time.Hour), now, time.Minute); err == nil || field(t, err) != "eta" {
		t.Error("ETA on a resolved incident accepted")
	}
}

func TestCheckDraftMove(t *testing.T) {
	if CheckDraftMove(true, false) != nil || CheckDraftMove(true, true) != nil || CheckDraftMove(false, false) != nil {
		t.Error("valid draft move refused")
	}
	if err := CheckDraftMove(false, true); err == nil || field(t, err) != "draft" {
		t.Error("published → draft accepted")
	}
}

func TestCheckTimeZone(t *testing.T) {
	for _, z := range []string{"", "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"} {
		if err := CheckTimeZone(z); err != nil {
			t.Errorf("%q: %v", z, err)
		}
	}
	for _, z := range []string{"Mars/Olympus", "Local", "../../etc/passwd", "Europe/Berlin\x00"} {
		if err := CheckTimeZone(z); err == nil || field(t, err) != "time_zone" {
			t.Errorf("%q accepted", z)
		}
	}
}

func TestNextMaintenanceStatuses(t *testing.T) {
	cases := map[string]string{
		Scheduled:  "scheduled in_progress completed cancelled",
		InProgress: "in_progress verifying completed cancelled",
		Verifying:  "in_progress verifying completed",
		Completed:  "completed",
		Cancelled:  "cancelled",
	}
	for from, want := range cases {
		if got := strings.Join(NextMaintenanceStatuses(from), " "); got != want {
			t.Errorf("from %s: %q, want %q", from, got, want)
		}
	}
}
