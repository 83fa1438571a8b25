package ui

import (
	"context"
	"time"

	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// maintenanceChange is what an operator asks of a maintenance window;
// nil fields stay as they are (ComponentIDs nil: unchanged). At is the
// time the update is shown at, zero for now.
type maintenanceChange struct {
	Name, Description       *string
	ScheduledFor            *time.Time
	ScheduledUntil          *time.Time
	ComponentIDs            []string
	AutoStart, AutoComplete *bool
	TimeZone                *string
	Status, Body            *string
	Notify                  *bool
	At                      time.Time
}

// postsUpdate reports whether the change adds to the timeline.
func (ch maintenanceChange) postsUpdate() bool { return ch.Status != nil || ch.Body != nil }

// createMaintenance schedules a window (scheduled unless ch says
// otherwise; the clock moves it unless told not to) with its first update.
func (o *incidentOps) createMaintenance(ctx context.Context, act store.Actor, ch maintenanceChange) (store.Maintenance, error) {
	if ch.Name == nil {
		return store.Maintenance{}, badField("name", "required")
	}
	if ch.Status == nil {
		ch.Status = ptr(incident.Scheduled)
	}
	m := store.Maintenance{ComponentIDs: []string{}, AutoStart: true, AutoComplete: true}
	upd, err := o.applyMaintenance(&m, ch, act)
	if err != nil {
		return store.Maintenance{}, err
	}
	created, err := o.d.Store.CreateMaintenance(ctx, m, *upd, act, o.d.Now())
	if err != nil {
		return store.Maintenance{}, err
	}
	o.changed(ctx)
	return created, nil
}

// postMaintenanceUpdate adds a timeline entry; it must say something.
func (o *incidentOps) postMaintenanceUpdate(ctx context.Context, act store.Actor, id int64, ch maintenanceChange) (store.Maintenance, error) {
	if ch.Body == nil || *ch.Body == "" {
		return store.Maintenance{}, badField("body", "required: what customers should read")
	}
	return o.editMaintenance(ctx, act, id, "maintenance.update", ch)
}

// patchMaintenance changes a window (rescheduling it, say); it adds to
// the timeline only when the change carries a status or a message.
func (o *incidentOps) patchMaintenance(ctx context.Context, act store.Actor, id int64, ch maintenanceChange) (store.Maintenance, error) {
	return o.editMaintenance(ctx, act, id, "maintenance.patch", ch)
}

func (o *incidentOps) editMaintenance(ctx context.Context, act store.Actor, id int64, action string, ch maintenanceChange) (store.Maintenance, error) {
	m, err := o.d.Store.EditMaintenance(ctx, id, act, action, o.d.Now(),
		func(m *store.Maintenance) (*store.MaintenanceUpdate, error) {
			upd, err := o.applyMaintenance(m, ch, act)
			if err != nil || !ch.postsUpdate() {
				return nil, err
			}
			return upd, nil
		})
	if err != nil {
		return store.Maintenance{}, err
	}
	o.changed(ctx)
	return m, nil
}

// applyMaintenance applies a change to m by the rules of package incident
// and returns the timeline entry it makes. m.ID is 0 when creating.
func (o *incidentOps) applyMaintenance(m *store.Maintenance, ch maintenanceChange, act store.Actor) (*store.MaintenanceUpdate, error) {
	now := o.d.Now()
	if ch.Name != nil {
		if err := incident.CheckName(*ch.Name); err != nil {
			return nil, err
		}
		m.Name = *ch.Name
	}
	if ch.Description != nil {
		if err := incident.CheckText("description", *ch.Description); err != nil {
			return nil, err
		}
		m.Description = *ch.Description
	}
	if ch.ScheduledFor != nil {
		m.ScheduledFor = *ch.ScheduledFor
	}
	if ch.ScheduledUntil != nil {
		m.ScheduledUntil = *ch.ScheduledUntil
	}
	if err := incident.CheckWindow(m.ScheduledFor, m.ScheduledUntil); err != nil {
		return nil, err
	}
	if ch.ComponentIDs != nil {
		if err := incident.CheckComponentIDs(ch.ComponentIDs, o.known); err != nil {
			return nil, err
		}
		m.ComponentIDs = ch.ComponentIDs
	}
	if ch.TimeZone != nil {
		if err := incident.CheckTimeZone(*ch.TimeZone); err != nil {
			return nil, err
		}
		m.TimeZone = *ch.TimeZone
	}
	if ch.AutoStart != nil {
		m.AutoStart = *ch.AutoStart
	}
	if ch.AutoComplete != nil {
		m.AutoComplete = *ch.AutoComplete
	}
	upd := &store.MaintenanceUpdate{Status: m.Status, Author: act.Name, At: now}
	if ch.Status != nil {
		if err := incident.CheckMaintenanceMove(m.Status, *ch.Status); err != nil {
			return nil, err
		}
		upd.Status = *ch.Status
	}
	if err := noteFields(ch.Body, ch.Notify, ch.At, now, &upd.Body, &upd.DeliverNotifications, &upd.At); err != nil {
		return nil, err
	}
	m.Status = upd.Status
	return upd, nil
}
