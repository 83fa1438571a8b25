package store

import (
	"context"
	"database/sql"
	"fmt"
)

// addMonthly adds the daily rows of day d (sign +1) to rollups_monthly, or
// takes them out of it (sign −1), in the rollup transaction: replaceDay
// takes a day's old rows out before deleting them and adds the new ones
// after inserting them, so each month's row stays the exact sum of its
// days. Months left with no day are deleted.
func addMonthly(ctx context.Context, tx *sql.Tx, d day, sign int) error {
	const q = `
INSERT INTO rollups_monthly (kind, subject, zone, month, days, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms)
SELECT kind, subject, zone, substr(day, 1, 7), ?2, ?2 * up_ms, ?2 * degraded_ms, ?2 * partial_ms,
	?2 * down_ms, ?2 * maintenance_ms, ?2 * nodata_ms
FROM rollups_daily
WHERE kind IN ('check_zone', 'check', 'component') AND day = ?1` + addToMonth
	if _, err := tx.ExecContext(ctx, q, d.String(), sign); err != nil {
		return fmt.Errorf("monthly rollups of %s: %w", d, err)
	}
	if sign > 0 {
		return nil
	}
	const prune = `DELETE FROM rollups_monthly WHERE kind IN ('check_zone', 'check', 'component') AND month = ?1 AND days = 0`
	if _, err := tx.ExecContext(ctx, prune, d.String()[:7]); err != nil {
		return fmt.Errorf("monthly rollups of %s: %w", d, err)
	}
	return nil
}
