package incident

import (
	"fmt"
	"time"
)

// Maintenance statuses.
const (
	Scheduled  = "scheduled"
	InProgress = "in_progress"
	Verifying  = "verifying"
	Completed  = "completed"
	Cancelled  = "cancelled"
)

// MaintenanceStatuses lists them in workflow order.
var MaintenanceStatuses = []string{Scheduled, InProgress, Verifying, Completed, Cancelled}

// HoldsComponents reports whether a window in the given status holds its
// components under maintenance: in progress, or verifying (the work is
// done but not yet confirmed).
func HoldsComponents(status string) bool {
	return status == InProgress || status == Verifying
}

// IncidentRef is how a component's history names the incident that set
// its status, the cause of the change: "incident 12: API errors".
func IncidentRef(id int64, name string) string {
	return fmt.Sprintf("incident %d: %s", id, name)
}

// MaintenanceRef is how a component's history names the window that held
// it under maintenance: "maintenance 3: DB upgrade".
func MaintenanceRef(id int64, name string) string {
	return fmt.Sprintf("maintenance %d: %s", id, name)
}

// maintenanceMoves are the possible moves; repeating a status (an update
// note) is always allowed. A window that started can no longer be
// cancelled from verifying: it is completed instead.
var maintenanceMoves = map[string][]string{
	Scheduled:  {InProgress, Completed, Cancelled},
	InProgress: {Verifying, Completed, Cancelled},
	Verifying:  {InProgress, Completed},
}

// CheckMaintenanceMove says whether a window may go from one status to
// another; from is "" for a new window, which may start in any status
// (back-filled history).
func CheckMaintenanceMove(from, to string) error {
	if !oneOf(to, MaintenanceStatuses) {
		return fieldErr("status", "unknown maintenance status %q (want one of %v)", to, MaintenanceStatuses)
	}
	if from == "" || from == to || oneOf(to, maintenanceMoves[from]) {
		return nil
	}
	return fieldErr("status", "a %s maintenance cannot move to %s", from, to)
}

// MaxWindow is the longest maintenance window accepted.
const MaxWindow = 31 * 24 * time.Hour

// CheckWindow validates a maintenance window.
func CheckWindow(from, until time.Time) error {
	if from.IsZero() {
		return fieldErr("scheduled_for", "required")
	}
	if until.IsZero() {
		return fieldErr("scheduled_until", "required")
	}
	if !until.After(from) {
		return fieldErr("scheduled_until", "must be after scheduled_for")
	}
	if until.Sub(from) > MaxWindow {
		return fieldErr("scheduled_until", "window longer than %d days", int(MaxWindow/(24*time.Hour)))
	}
	return nil
}

// CheckComponentIDs validates the components a maintenance affects.
func CheckComponentIDs(ids []string, known func(id string) bool) error {
	seen := map[string]bool{}
	for _, id := range ids {
		if !known(id) {
			return fieldErr("component_ids", "unknown component id %q", id)
		}
		if seen[id] {
			return fieldErr("component_ids", "component id %q listed twice", id)
		}
		seen[id] = true
	}
	return nil
}
