package demo

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// TestOutagesAreNotable: the outages told as incidents are a handful of
// the scenario's real outages, the longest of them, with a recent one and
// the two-day partial among them.
func TestOutagesAreNotable(t *testing.T) {
	s := NewScenario(start)
	out := s.Outages()
	if len(out) < 6 || len(out) > 12 {
		t.Fatalf("%d outages told, want 6 to 12", len(out))
	}
	var recent, multiDay, major, partial int
	for i, o := range out {
		if i > 0 && o.From.Before(out[i-1].From) {
			t.Errorf("outages out of order: %v before %v", out[i-1].From, o.From)
		}
		matches := func(in incident) bool {
			return componentOf(in.check) == o.Component && in.zone == o.Zone && in.from.Equal(o.From) && in.to.Equal(o.To) && !in.slow
		}
		if !slices.ContainsFunc(s.incidents, matches) {
			t.Errorf("outage %+v is not one of the scenario's", o)
		}
		if o.Component == "api" || o.Component == "workers" || !o.To.Before(start) || o.From.Before(start.Add(-History)) {
			t.Errorf("outage %+v: want a past outage of a component the scenario fails", o)
		}
		if o.From.After(start.Add(-90 * 24 * time.Hour)) {
			recent++
		}
		if o.Zone != "" && o.To.Sub(o.From) > 48*time.Hour {
			multiDay++
		}
		if o.Zone == "" {
			major++
		} else {
			partial++
		}
	}
	if recent == 0 || multiDay != 1 || major == 0 || partial == 0 {
		t.Errorf("%d recent, %d multi-day partial, %d major, %d partial outages; want at least one of each", recent, multiDay, major, partial)
	}
	if o := s.OpenIncident(); !o.From.Equal(start.Add(-3*time.Hour)) || !o.ETA.After(start.Add(2*time.Hour)) || o.ETA.After(start.Add(4*time.Hour)) {
		t.Errorf("open incident %+v, want from 3h before start with an ETA a few hours ahead", o)
	}
	if u := s.UpcomingWindow(); u.From.Before(start.Add(48*time.Hour)) || u.From.After(start.Add(5*24*time.Hour)) || !u.To.After(u.From) {
		t.Errorf("upcoming window %+v, want a few days ahead", u)
	}
}

// checkIncidents: Seed recorded the outages as resolved incidents at the
// scenario's times, the ongoing trouble as an open one with its ETA, and
// the announced window as scheduled maintenance, without queueing mail.
func checkIncidents(t *testing.T, st *store.Store, s *Scenario) {
	t.Helper()
	ctx := context.Background()
	all, err := st.PublicIncidents(ctx, false, 100)
	if err != nil || len(all) != len(s.Outages())+1 {
		t.Fatalf("%d public incidents (%v), want %d", len(all), err, len(s.Outages())+1)
	}
	postmortems := 0
	for _, o := range s.Outages() {
		inc, err := st.Incident(ctx, o.ID)
		if err != nil {
			t.Fatalf("outage %+v: %v", o, err)
		}
		want := "major_outage"
		if o.Zone != "" {
			want = "partial_outage"
		}
		if !inc.Started.Equal(o.From) || !near(inc.Resolved, o.To) || inc.Status != "resolved" || inc.Components[o.Component] != want || len(inc.Components) != 1 {
			t.Errorf("incident %d %q: started %v resolved %v status %s components %v; want %v–%v resolved, %s %s",
				inc.ID, inc.Name, inc.Started, inc.Resolved, inc.Status, inc.Components, o.From, o.To, o.Component, want)
		}
		checkTimeline(t, inc, o.From, o.To)
		if inc.Postmortem != "" && inc.PostmortemAt.After(inc.Resolved) {
			postmortems++
		}
	}
	if postmortems < 1 || postmortems > 2 {
		t.Errorf("%d published postmortems, want one or two", postmortems)
	}
	open, err := st.Incidents(ctx, true, 10)
	if err != nil || len(open) != 1 {
		t.Fatalf("%d open incidents (%v), want the workers' one", len(open), err)
	}
	o := s.OpenIncident()
	if inc := open[0]; inc.ID != o.ID || inc.Status != "identified" || inc.Impact != "minor" || !inc.ETA.Equal(o.ETA) ||
		!inc.Started.Equal(o.From) || inc.Components["workers"] != "degraded_performance" {
		t.Errorf("open incident %+v, want workers identified with ETA %v", inc, o.ETA)
	}
	u := s.UpcomingWindow()
	m, err := st.Maintenance(ctx, u.ID)
	if err != nil || m.Status != "scheduled" || !m.ScheduledFor.Equal(u.From) || !m.AutoStart || !m.AutoComplete ||
		m.Description == "" || !slices.Equal(m.ComponentIDs, []string{u.Component}) {
		t.Errorf("upcoming window %+v (%v), want scheduled at %v with auto start and complete", m, err, u.From)
	}
	if n, err := st.PendingMail(ctx); err != nil || n != 0 {
		t.Errorf("%d mails pending (%v), want none: the demo notifies nobody", n, err)
	}
}

// checkTimeline: investigating soon after the outage began, then
// identified and monitoring within it, resolved at its end; nothing asks
// for notifications.
func checkTimeline(t *testing.T, inc store.Incident, from, to time.Time) {
	t.Helper()
	var statuses []string
	for i, u := range inc.Updates {
		statuses = append(statuses, u.Status)
		if u.DeliverNotifications || u.Body == "" || u.At.Before(from) || u.At.After(to.Add(time.Millisecond)) ||
			(i > 0 && u.At.Before(inc.Updates[i-1].At)) {
			t.Errorf("incident %d update %d: %+v, want a body, in order within %v–%v, no notifications", inc.ID, i, u, from, to)
		}
	}
	if len(statuses) < 4 || statuses[0] != "investigating" || statuses[len(statuses)-1] != "resolved" ||
		!slices.Contains(statuses, "identified") || !slices.Contains(statuses, "monitoring") {
		t.Errorf("incident %d timeline %v", inc.ID, statuses)
	}
	if first := inc.Updates[0].At.Sub(from); first > 15*time.Minute {
		t.Errorf("incident %d: first update %v after the outage began", inc.ID, first)
	}
	if last := inc.Updates[len(inc.Updates)-1].At; !near(last, to) {
		t.Errorf("incident %d resolved at %v, want the outage's end %v", inc.ID, last, to)
	}
}

// near: the store keeps milliseconds.
func near(a, b time.Time) bool { return a.Sub(b).Abs() < time.Millisecond }

// TestHoursText: the demo's postmortem says how long in words a person
// would write.
func TestHoursText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1 hour", 30 * time.Hour: "30 hours", 48 * time.Hour: "2 days",
		54 * time.Hour: "2 days and 6 hours", 73*time.Hour + 20*time.Minute: "3 days and 1 hour",
	} {
		if got := hoursText(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
