package demo

import (
	"context"
	"fmt"
	"time"

	rules "github.com/ampelstatus/ampel/pkg/incident" // the package name is taken by the scenario's incident type
	"github.com/ampelstatus/ampel/store"
)

// shortPostmortem is the postmortem of the year's longest major outage;
// the component's name and the outage's length fill it in.
const shortPostmortem = `## What happened

%s was unavailable for **%s**. Every request in every region failed until the fix was deployed.

## Why

A change that passed review and staging behaved differently under production load. Our alerting caught the errors within minutes, but rolling back took longer than it should have because the previous build had to be rebuilt.

## What we are changing

- Keep the last three builds ready to deploy, so a rollback takes one command.
- Roll out changes to one region first and wait for its error rate before the others.
- Rehearse the rollback every quarter.`

// longTale tells the two-day partial outage, with its postmortem.
func longTale(o *Outage, name string) (string, []step, string) {
	region := regions[o.Zone]
	steps := []step{
		{"investigating", fmt.Sprintf("Customers in %s see slow or failing page loads because %s assets do not load. Other regions are fine. We are investigating with our CDN provider.", region, name), o.From.Add(9 * time.Minute)},
		{"identified", "The provider has found a routing fault at two of its edge locations in the region. Their fix needs a change to their network, expected within a day. Meanwhile the pages still work, without their styles and scripts for some visitors.", o.From.Add(2*time.Hour + 40*time.Minute)},
		{"identified", "The provider's network change is taking longer than planned. We are preparing to serve the region from a second CDN as a fallback.", o.From.Add(26 * time.Hour)},
		{"monitoring", "The provider has completed the network change and assets load again in the region. We are watching error rates before closing this incident.", o.To.Add(-3 * time.Hour)},
		{"resolved", fmt.Sprintf("%s has been working normally in %s for three hours. A postmortem will follow.", name, region), o.To},
	}
	pm := fmt.Sprintf(`## Summary

For %s, customers in %s could not reliably load static assets. Pages loaded without styles or scripts for some of them; other regions were not affected.

## Cause

A routing fault at two edge locations of our CDN provider sent requests for our assets to an origin shield that no longer existed. The provider's fix required a network change that took longer than their first estimate.

## What we are changing

- A second CDN, ready to take a region within minutes.
- Probes of the assets from every region we serve, which would have told us before our customers did.`, hoursText(o.To.Sub(o.From)), region)
	return fmt.Sprintf("%s assets failing in %s", name, region), steps, pm
}

// hoursText says a long stretch as a person would write it, to the
// hour: "2 days and 6 hours", "30 hours" (not "54h0m0s").
func hoursText(d time.Duration) string {
	hours := int(d.Round(time.Hour) / time.Hour)
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	if hours < 48 {
		return unit(hours, "hour")
	}
	if hours%24 == 0 {
		return unit(hours/24, "day")
	}
	return unit(hours/24, "day") + " and " + unit(hours%24, "hour")
}

// recordOpen stores the ongoing trouble, one of the four workers down, as
// an open minor incident, identified, with an ETA.
func recordOpen(ctx context.Context, st *store.Store, s *Scenario) error {
	o := s.OpenIncident()
	comps := map[string]string{o.Component: "degraded_performance"}
	inc := store.Incident{Name: "Background jobs running slowly", Status: "investigating", Impact: rules.ComputeImpact(comps),
		Components: comps, Started: o.From}
	steps := []step{
		{"investigating", "Background jobs (exports, scheduled reports) are taking longer than usual. We are investigating.", o.From.Add(7 * time.Minute)},
		{"identified", "One of our four job workers lost its disk and is out of service; the other three are processing the queue, so jobs are delayed, not lost. A replacement worker is being provisioned.", o.From.Add(48 * time.Minute)},
	}
	first := store.IncidentUpdate{Status: steps[0].status, Body: steps[0].body, Components: comps, Author: author, At: steps[0].at}
	created, err := st.CreateIncident(ctx, inc, first, demoActor, steps[0].at)
	if err != nil {
		return fmt.Errorf("record open incident: %w", err)
	}
	_, err = st.EditIncident(ctx, created.ID, demoActor, "incident.update", steps[1].at, func(in *store.Incident) (*store.IncidentUpdate, error) {
		in.Status, in.ETA = steps[1].status, o.ETA
		return &store.IncidentUpdate{Status: steps[1].status, Body: steps[1].body, Author: author, At: steps[1].at}, nil
	})
	if err != nil {
		return fmt.Errorf("record open incident: %w", err)
	}
	s.open = created.ID
	return nil
}

// recordUpcoming stores the window announced for the days ahead, which
// the clock starts and completes on its own.
func recordUpcoming(ctx context.Context, st *store.Store, s *Scenario, now time.Time) error {
	u := s.UpcomingWindow()
	announced := now.Add(-20 * time.Hour).Truncate(time.Hour)
	m, err := st.CreateMaintenance(ctx, store.Maintenance{
		Name: u.Name, Status: "scheduled", ScheduledFor: u.From, ScheduledUntil: u.To, ComponentIDs: []string{u.Component},
		Description: "We are upgrading the database behind the job queue to a new major version.\n\n" +
			"Background jobs **pause during the window** and resume afterwards; nothing queued is lost. The API, the dashboard and sign-in are not affected.",
		AutoStart: true, AutoComplete: true,
	}, store.MaintenanceUpdate{Status: "scheduled",
		Body: "Background jobs will pause for up to 90 minutes while we upgrade the job queue's database. Nothing queued is lost.", Author: author, At: announced}, demoActor, announced)
	if err != nil {
		return fmt.Errorf("record upcoming maintenance: %w", err)
	}
	s.upcoming = m.ID
	return nil
}
