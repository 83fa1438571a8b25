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

// openAutoIncidentsQuery reads incidents_auto_open alone, like
// openAutoIncidentQuery.
const openAutoIncidentsQuery = `
SELECT auto_component, MAX(id) FROM incidents WHERE auto_component <> '' AND resolved_at_ms IS NULL
GROUP BY auto_component`

// OpenAutoIncidentIDs returns, for every component with an unresolved
// automatic incident, the id of its newest one: automation's periodic
// pass reads them all at once, then the timelines of those alone,
// instead of one lookup per automated component.
func (s *Store) OpenAutoIncidentIDs(ctx context.Context) (map[string]int64, error) {
	rows, err := s.rdb.QueryContext(ctx, openAutoIncidentsQuery)
	if err != nil {
		return nil, fmt.Errorf("store: open automatic incidents: %w", err)
	}
	defer rows.Close()
	ids := map[string]int64{}
	for rows.Next() {
		var comp string
		var id int64
		if err := rows.Scan(&comp, &id); err != nil {
			return nil, fmt.Errorf("store: open automatic incidents: %w", err)
		}
		ids[comp] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: open automatic incidents: %w", err)
	}
	return ids, nil
}
