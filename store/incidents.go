package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Incident is an incident with the statuses it sets on its components and,
// when read with its timeline, its updates oldest first. Statuses and
// impacts are Statuspage's names; package incident holds their rules.
type Incident struct {
	ID             int64             `json:"id"`
	Name           string            `json:"name"`
	Status         string            `json:"status"`
	Impact         string            `json:"impact"`
	ImpactOverride string            `json:"impact_override,omitempty"`
	Components     map[string]string `json:"components"`
	Started        time.Time         `json:"started_at"`
	Created        time.Time         `json:"created_at"`
	Updated        time.Time         `json:"updated_at"`
	Resolved       time.Time         `json:"resolved_at,omitzero"`
	// ETA is the estimated time of resolution shown to customers; zero
	// for none.
	ETA time.Time `json:"eta,omitzero"`
	// Postmortem is Markdown published after resolution; PostmortemAt is
	// when it was (last) published.
	Postmortem   string    `json:"postmortem,omitempty"`
	PostmortemAt time.Time `json:"postmortem_at,omitzero"`
	// Draft marks an incident not yet published: the public never sees it
	// and it overrides no component.
	Draft bool `json:"draft,omitempty"`
	// AutoComponent is the component an automatic incident was opened
	// for; empty for incidents opened by people.
	AutoComponent string           `json:"auto_component,omitempty"`
	Updates       []IncidentUpdate `json:"updates,omitempty"`
}

// IncidentUpdate is one entry of an incident's timeline. At is the time
// shown (it may be back-dated); Created is when it was written.
type IncidentUpdate struct {
	ID                   int64             `json:"id"`
	Status               string            `json:"status"`
	Body                 string            `json:"body"`
	Components           map[string]string `json:"components,omitempty"`
	DeliverNotifications bool              `json:"deliver_notifications"`
	Author               string            `json:"author"`
	At                   time.Time         `json:"at"`
	Created              time.Time         `json:"created_at"`
}

// ErrNoIncident is returned when no incident has the id.
var ErrNoIncident = errors.New("no such incident")

// reader is what reads need: the read pool, or the writer's transaction.
type reader interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// CreateIncident stores a new incident with its first update and the audit
// entry of its creation, in one transaction on the writer connection, and
// returns it as stored.
func (s *Store) CreateIncident(ctx context.Context, inc Incident, first IncidentUpdate, actor Actor, now time.Time) (Incident, error) {
	var id int64
	err := s.overlayTx(ctx, "create incident", func(tx *sql.Tx, mailed *bool) error {
		const q = `
INSERT INTO incidents (name, status, impact, impact_override, started_at_ms, created_at_ms, updated_at_ms, resolved_at_ms,
       eta_ms, postmortem, postmortem_at_ms, draft, auto_component)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id`
		if err := tx.QueryRowContext(ctx, q, inc.Name, inc.Status, inc.Impact, inc.ImpactOverride,
			ms(inc.Started), ms(now), nullMS(inc.Resolved),
			nullMS(inc.ETA), inc.Postmortem, nullMS(inc.PostmortemAt), inc.Draft, inc.AutoComponent).Scan(&id); err != nil {
			return err
		}
		inc.ID, inc.Created, inc.Updated = id, now, now
		if err := writeIncidentComponents(ctx, tx, id, inc.Components); err != nil {
			return err
		}
		if err := insertIncidentUpdate(ctx, tx, id, &first, now); err != nil {
			return err
		}
		inc.Updates = []IncidentUpdate{first}
		var err error
		if *mailed, err = enqueueAll(ctx, s.d, tx, incidentEvents(nil, &inc, &first), now); err != nil {
			return err
		}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "incident.create",
			ObjectType: "incident", ObjectID: id, After: mustJSON(inc)})
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Incident(ctx, id)
}

// EditIncident changes an incident in one transaction on the writer
// connection: edit gets the incident as stored (without its timeline),
// changes it, and returns the update to append or nil; the change and its
// audit entry (action, before, after) commit together. An error from edit
// is returned as is and changes nothing.
func (s *Store) EditIncident(ctx context.Context, id int64, actor Actor, action string, now time.Time,
	edit func(*Incident) (*IncidentUpdate, error)) (Incident, error) {
	err := s.overlayTx(ctx, "edit incident", func(tx *sql.Tx, mailed *bool) error {
		inc, err := loadIncident(ctx, tx, id, false)
		if err != nil {
			return err
		}
		old := inc
		before := mustJSON(inc)
		upd, err := edit(&inc)
		if err != nil {
			return err
		}
		inc.Updated = now
		const q = `
UPDATE incidents SET name = ?2, status = ?3, impact = ?4, impact_override = ?5,
       started_at_ms = ?6, updated_at_ms = ?7, resolved_at_ms = ?8,
       eta_ms = ?9, postmortem = ?10, postmortem_at_ms = ?11, draft = ?12, auto_component = ?13
WHERE id = ?1`
		if _, err := tx.ExecContext(ctx, q, id, inc.Name, inc.Status, inc.Impact, inc.ImpactOverride,
			ms(inc.Started), ms(now), nullMS(inc.Resolved),
			nullMS(inc.ETA), inc.Postmortem, nullMS(inc.PostmortemAt), inc.Draft, inc.AutoComponent); err != nil {
			return err
		}
		if err := writeIncidentComponents(ctx, tx, id, inc.Components); err != nil {
			return err
		}
		if upd != nil {
			if err := insertIncidentUpdate(ctx, tx, id, upd, now); err != nil {
				return err
			}
			inc.Updates = []IncidentUpdate{*upd}
		}
		if *mailed, err = enqueueAll(ctx, s.d, tx, incidentEvents(&old, &inc, upd), now); err != nil {
			return err
		}
		return writeAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: action,
			ObjectType: "incident", ObjectID: id, Before: before, After: mustJSON(inc)})
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Incident(ctx, id)
}

// Incident returns an incident with its timeline, or ErrNoIncident.
func (s *Store) Incident(ctx context.Context, id int64) (Incident, error) {
	return loadIncident(ctx, s.rdb, id, true)
}

// Incidents returns up to limit incidents, drafts included, newest start
// first, with their timelines; only unresolved ones when unresolved is set.
func (s *Store) Incidents(ctx context.Context, unresolved bool, limit int) ([]Incident, error) {
	return s.incidents(ctx, unresolved, true, true, limit)
}

// IncidentsNoTimeline is Incidents without the timelines: its incidents
// carry no Updates. The overlay reads only status and components after
// every change, and need not load every update body for that.
func (s *Store) IncidentsNoTimeline(ctx context.Context, unresolved bool, limit int) ([]Incident, error) {
	return s.incidents(ctx, unresolved, true, false, limit)
}

// PublicIncidents is Incidents without drafts: what customers may see.
func (s *Store) PublicIncidents(ctx context.Context, unresolved bool, limit int) ([]Incident, error) {
	return s.incidents(ctx, unresolved, false, true, limit)
}

func (s *Store) incidents(ctx context.Context, unresolved, drafts, timeline bool, limit int) ([]Incident, error) {
	const picked = `
SELECT id FROM incidents WHERE (?1 = 0 OR resolved_at_ms IS NULL) AND (?2 = 1 OR draft = 0)
ORDER BY started_at_ms DESC, id DESC LIMIT ?3`
	return s.listIncidents(ctx, "list incidents", picked, "started_at_ms DESC, id DESC", timeline, unresolved, drafts, limit)
}
