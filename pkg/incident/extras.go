package incident

import (
	"time"
	"unicode/utf8"
)

// CheckText validates Markdown an operator writes into a field other than
// an update's body (a postmortem, a maintenance description): valid UTF-8
// and at most MaxBodyLen bytes, so rendering stays cheap whatever comes in.
func CheckText(field, text string) error {
	if !utf8.ValidString(text) {
		return fieldErr(field, "not valid UTF-8")
	}
	if len(text) > MaxBodyLen {
		return fieldErr(field, "%d bytes, want at most %d", len(text), MaxBodyLen)
	}
	return nil
}

// CheckPostmortem says whether a postmortem may be published on an
// incident in the given status: only after resolution, when what happened
// is known.
func CheckPostmortem(status, text string) error {
	if status != Resolved {
		return fieldErr("postmortem", "the incident is %s: a postmortem is published after it is resolved", status)
	}
	return CheckText("postmortem", text)
}

// CheckETA validates an estimated time of resolution: it is a promise
// about the future, so a time already past (beyond skew) is a mistake, and
// a resolved incident has nothing left to estimate.
func CheckETA(status string, eta, now time.Time, skew time.Duration) error {
	if eta.IsZero() {
		return nil
	}
	if status == Resolved {
		return fieldErr("eta", "the incident is resolved: there is no time of resolution to estimate")
	}
	if eta.Before(now.Add(-skew)) {
		return fieldErr("eta", "%s is in the past", eta.Format(time.RFC3339))
	}
	return nil
}

// CheckDraftMove says whether an incident may go from draft (or not) to
// draft (or not): a draft may be published, but what customers have seen
// cannot be taken back into draft.
func CheckDraftMove(wasDraft, draft bool) error {
	if !wasDraft && draft {
		return fieldErr("draft", "the incident is published: it cannot become a draft again")
	}
	return nil
}

// CheckTimeZone validates an IANA time zone name ("" means the site's).
func CheckTimeZone(name string) error {
	if name == "" {
		return nil
	}
	if _, err := time.LoadLocation(name); err != nil || name == "Local" {
		return fieldErr("time_zone", "unknown time zone %q (want an IANA name such as Europe/Berlin)", name)
	}
	return nil
}

// NextMaintenanceStatuses lists the statuses a window in status from may
// take next, from itself (an update note) on, in workflow order.
func NextMaintenanceStatuses(from string) []string {
	out := []string{}
	for _, s := range MaintenanceStatuses {
		if CheckMaintenanceMove(from, s) == nil {
			out = append(out, s)
		}
	}
	return out
}
