package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// openAutoIncidentQuery is served by the partial index incidents_auto_open
// (TestOpenAutoIncidentUsesItsIndex): automation runs it for every
// automated component every few seconds.
const openAutoIncidentQuery = `
SELECT id FROM incidents WHERE auto_component = ?1 AND auto_component <> '' AND resolved_at_ms IS NULL
ORDER BY id DESC LIMIT 1`

// OpenAutoIncident returns the newest unresolved automatic incident opened
// for a component, with its timeline, or ErrNoIncident when there is none.
// Automation keeps at most one open per component; newest first makes a
// second one, should an operator's back-fill ever create it, harmless.
func (s *Store) OpenAutoIncident(ctx context.Context, component string) (Incident, error) {
	var id int64
	err := s.rdb.QueryRowContext(ctx, openAutoIncidentQuery, component).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, ErrNoIncident
	}
	if err != nil {
		return Incident{}, fmt.Errorf("store: open automatic incident of %s: %w", component, err)
	}
	return s.Incident(ctx, id)
}

// LastAutoResolved returns when the latest resolved automatic incident of
// a component was resolved, by automation or by an operator; the zero time
// when none was. Automation waits its cool-down from there.
func (s *Store) LastAutoResolved(ctx context.Context, component string) (time.Time, error) {
	const q = `
SELECT MAX(resolved_at_ms) FROM incidents WHERE auto_component = ?1 AND auto_component <> '' AND resolved_at_ms IS NOT NULL`
	var at sql.NullInt64
	if err := s.rdb.QueryRowContext(ctx, q, component).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("store: last resolved automatic incident of %s: %w", component, err)
	}
	return fromNullMS(at), nil
}
