package backup

import "time"

// Retention says which snapshots to keep. The newest is always kept.
type Retention struct {
	// All keeps every snapshot taken within this long of now.
	All time.Duration
	// Daily keeps the newest snapshot of each of the last Daily UTC days
	// (today included).
	Daily int
	// Weekly keeps the newest snapshot of each of the last Weekly ISO
	// weeks (this one included).
	Weekly int
}

// Thin splits snaps (oldest first) into those the policy keeps and those
// it drops, at now.
func (r Retention) Thin(snaps []Snapshot, now time.Time) (keep, drop []Snapshot) {
	keepSet := make(map[int]bool, len(snaps))
	if len(snaps) > 0 {
		keepSet[len(snaps)-1] = true
	}
	days := map[time.Time]bool{}
	weeks := map[[2]int]bool{}
	today := now.UTC().Truncate(24 * time.Hour)
	ty, tw := now.UTC().ISOWeek()
	thisWeek := weekIndex(ty, tw)
	// Newest first, so the first snapshot seen in a day or week is its
	// newest.
	for i := len(snaps) - 1; i >= 0; i-- {
		at := snaps[i].At.UTC()
		if now.Sub(at) < r.All {
			keepSet[i] = true
		}
		day := at.Truncate(24 * time.Hour)
		if age := int(today.Sub(day) / (24 * time.Hour)); age < r.Daily && !days[day] {
			days[day] = true
			keepSet[i] = true
		}
		y, w := at.ISOWeek()
		if age := thisWeek - weekIndex(y, w); age < r.Weekly && !weeks[[2]int{y, w}] {
			weeks[[2]int{y, w}] = true
			keepSet[i] = true
		}
	}
	for i, s := range snaps {
		if keepSet[i] {
			keep = append(keep, s)
		} else {
			drop = append(drop, s)
		}
	}
	return keep, drop
}

// weekIndex numbers ISO weeks consecutively: the Monday of the week in
// days since the epoch, divided by 7.
func weekIndex(year, week int) int {
	// January 4th is always in ISO week 1.
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(week-1)*7)
	return int(monday.Unix() / (7 * 86400))
}
