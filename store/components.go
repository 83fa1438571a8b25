package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ComponentsSeen returns when each of slugs first appeared, recording the
// ones seen for the first time: at their first recorded change when there
// is one (a history written before serving, as the demo's), else at now.
// Components dropped from the config keep their row, so one that comes
// back keeps its date.
func (s *Store) ComponentsSeen(ctx context.Context, slugs []string, now time.Time) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(slugs))
	err := s.writeTx(ctx, "record components", func(tx *sql.Tx) error {
		// WHERE true keeps SQLite from reading ON CONFLICT as part of the
		// SELECT; CASE is the scalar minimum both databases know.
		const insert = `
INSERT INTO components_seen (slug, first_seen_ms)
SELECT ?1, CASE WHEN first.at_ms IS NOT NULL AND first.at_ms < ?2 THEN first.at_ms ELSE ?2 END
FROM (SELECT MIN(at_ms) AS at_ms FROM state_changes WHERE kind = 'component' AND subject = ?1) AS first
WHERE true
ON CONFLICT (slug) DO NOTHING`
		const read = `SELECT first_seen_ms FROM components_seen WHERE slug = ?1`
		for _, slug := range slugs {
			if _, err := tx.ExecContext(ctx, insert, slug, now.UnixMilli()); err != nil {
				return fmt.Errorf("store: record component %s: %w", slug, err)
			}
			var ms int64
			if err := tx.QueryRowContext(ctx, read, slug).Scan(&ms); err != nil {
				return fmt.Errorf("store: read component %s: %w", slug, err)
			}
			out[slug] = fromMS(ms)
		}
		return nil
	})
	return out, err
}
