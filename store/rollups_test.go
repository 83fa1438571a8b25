package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

func loadLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// localTime parses "2006-01-02 15:04" in loc.
func localTime(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func comp(subject string, at time.Time, from, to status.Level) status.Change {
	return status.Change{Kind: status.Component, Subject: subject, At: at, From: from, To: to}
}

// put stores changes through the writer, one Write call each, and waits
// for them.
func put(t testing.TB, s *Store, changes ...status.Change) {
	t.Helper()
	w := s.StartWriter(WriterOptions{})
	for _, c := range changes {
		w.Write(nil, []status.Change{c})
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func build(t testing.TB, s *Store, loc *time.Location, now time.Time) {
	t.Helper()
	if err := s.BuildRollups(context.Background(), loc, now); err != nil {
		t.Fatal(err)
	}
}

// allRollups returns every row of every kind.
func allRollups(t testing.TB, s *Store) []DayRollup {
	t.Helper()
	var out []DayRollup
	for _, k := range []status.Kind{status.CheckZone, status.Check, status.Component} {
		rows, err := s.DailyRollups(context.Background(), k, "0001-01-01", "9999-12-31")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rows...)
	}
	return out
}

func checkRollups(t *testing.T, got, want []DayRollup) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("rollups:")
		for _, r := range got {
			t.Errorf("   got %s", fmtRollup(r))
		}
		for _, r := range want {
			t.Errorf("  want %s", fmtRollup(r))
		}
	}
}

func fmtRollup(r DayRollup) string {
	return r.Kind.String() + " " + r.Subject + "/" + r.Zone + " " + r.Day +
		" up " + r.Up.String() + " degraded " + r.Degraded.String() + " partial " + r.Partial.String() +
		" down " + r.Down.String() + " maint " + r.Maintenance.String() + " nodata " + r.NoData.String()
}

func h(v float64) time.Duration { return time.Duration(v * float64(time.Hour)) }

func TestRollupsUpDownUpWithinADayAndTodayPartial(t *testing.T) {
	s := openTest(t)
	berlin := loadLoc(t, "Europe/Berlin")
	at := func(v string) time.Time { return localTime(t, berlin, v) }
	put(t, s,
		comp("api", at("2026-05-04 08:00"), status.NoData, status.Up),
		comp("api", at("2026-05-04 10:00"), status.Up, status.Down),
		comp("api", at("2026-05-04 10:30"), status.Down, status.Up),
	)
	now := at("2026-05-06 12:00")
	build(t, s, berlin, now)
	api := DayRollup{Kind: status.Component, Subject: "api"}
	row := func(day string, f func(*DayRollup)) DayRollup {
		r := api
		r.Day = day
		f(&r)
		return r
	}
	want := []DayRollup{
		row("2026-05-04", func(r *DayRollup) { r.NoData, r.Up, r.Down = h(8), h(15.5), h(0.5) }),
		row("2026-05-05", func(r *DayRollup) { r.Up = h(24) }),
		// Today: midnight to now only.
		row("2026-05-06", func(r *DayRollup) { r.Up = h(12) }),
	}
	checkRollups(t, allRollups(t, s), want)

	// Building again at the same now changes nothing; later, today grows.
	build(t, s, berlin, now)
	checkRollups(t, allRollups(t, s), want)
	build(t, s, berlin, at("2026-05-06 18:30"))
	want[2].Up = h(18.5)
	checkRollups(t, allRollups(t, s), want)

	days, err := s.ComponentDays(context.Background(), berlin, at("2026-05-06 18:30"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 1 || !slices.Equal(days["api"], want[1:]) {
		t.Errorf("ComponentDays = %+v", days)
	}
	got, err := s.DailyRollups(context.Background(), status.Component, "2026-05-05", "2026-05-05")
	if err != nil || !slices.Equal(got, want[1:2]) {
		t.Errorf("DailyRollups(one day) = %+v, %v", got, err)
	}
	if _, err := s.DailyRollups(context.Background(), status.Component, "5 May", "2026-05-05"); err == nil {
		t.Error("DailyRollups accepted a bad day")
	}
}

func TestRollupsChangeBeforeTheFirstDay(t *testing.T) {
	s := openTest(t)
	berlin := loadLoc(t, "Europe/Berlin")
	at := func(v string) time.Time { return localTime(t, berlin, v) }
	put(t, s, comp("web", at("2026-04-20 10:00"), status.NoData, status.Up))
	build(t, s, berlin, at("2026-04-20 12:00"))
	// Days later: the level comes from the change before them.
	build(t, s, berlin, at("2026-05-03 06:00"))
	got, err := s.DailyRollups(context.Background(), status.Component, "2026-05-01", "2026-05-03")
	if err != nil {
		t.Fatal(err)
	}
	web := DayRollup{Kind: status.Component, Subject: "web"}
	want := []DayRollup{web, web, web}
	want[0].Day, want[0].Up = "2026-05-01", h(24)
	want[1].Day, want[1].Up = "2026-05-02", h(24)
	want[2].Day, want[2].Up = "2026-05-03", h(6)
	checkRollups(t, got, want)
	first, _ := s.DailyRollups(context.Background(), status.Component, "2026-04-19", "2026-04-20")
	if len(first) != 1 || first[0].NoData != h(10) || first[0].Up != h(14) {
		t.Errorf("first day: %+v", first)
	}
}

func TestRollupsOutageAcrossMidnight(t *testing.T) {
	s := openTest(t)
	berlin := loadLoc(t, "Europe/Berlin")
	at := func(v string) time.Time { return localTime(t, berlin, v) }
	put(t, s,
		status.Change{Kind: status.CheckZone, Subject: "api", Zone: "eu", At: at("2026-05-03 12:00"), To: status.Up},
		status.Change{Kind: status.CheckZone, Subject: "api", Zone: "eu", At: at("2026-05-04 23:00"), From: status.Up, To: status.Down},
		status.Change{Kind: status.CheckZone, Subject: "api", Zone: "eu", At: at("2026-05-05 01:30"), From: status.Down, To: status.Up},
	)
	// now is midnight: today has no time yet, so no row.
	build(t, s, berlin, at("2026-05-06 00:00"))
	r := DayRollup{Kind: status.CheckZone, Subject: "api", Zone: "eu"}
	want := []DayRollup{r, r, r}
	want[0].Day, want[0].NoData, want[0].Up = "2026-05-03", h(12), h(12)
	want[1].Day, want[1].Up, want[1].Down = "2026-05-04", h(23), h(1)
	want[2].Day, want[2].Down, want[2].Up = "2026-05-05", h(1.5), h(22.5)
	checkRollups(t, allRollups(t, s), want)
}

func TestRollupsDSTDays(t *testing.T) {
	s := openTest(t)
	berlin := loadLoc(t, "Europe/Berlin")
	at := func(v string) time.Time { return localTime(t, berlin, v) }
	put(t, s,
		comp("spring", at("2026-03-28 12:00"), status.NoData, status.Up),
		comp("spring", at("2026-03-29 01:00"), status.Up, status.Down), // 01:00 CET
		comp("spring", at("2026-03-29 04:00"), status.Down, status.Up), // 04:00 CEST: 2 h later
		comp("fall", at("2026-10-24 12:00"), status.NoData, status.Up),
		// 02:30 CEST to 02:30 CET, the hour that happens twice.
		comp("fall", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), status.Up, status.Down),
		comp("fall", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), status.Down, status.Up),
	)
	build(t, s, berlin, at("2026-10-26 00:00"))
	spring, err := s.DailyRollups(context.Background(), status.Component, "2026-03-28", "2026-03-30")
	if err != nil {
		t.Fatal(err)
	}
	fall, err := s.DailyRollups(context.Background(), status.Component, "2026-10-24", "2026-10-25")
	if err != nil {
		t.Fatal(err)
	}
	c := func(subject, day string, up, down, nodata float64) DayRollup {
		return DayRollup{Kind: status.Component, Subject: subject, Day: day, Up: h(up), Down: h(down), NoData: h(nodata)}
	}
	checkRollups(t, spring, []DayRollup{
		c("spring", "2026-03-28", 12, 0, 12),
		c("spring", "2026-03-29", 21, 2, 0), // 23 h
		c("spring", "2026-03-30", 24, 0, 0),
	})
	fall = slices.DeleteFunc(fall, func(r DayRollup) bool { return r.Subject != "fall" })
	checkRollups(t, fall, []DayRollup{
		c("fall", "2026-10-24", 12, 0, 12),
		c("fall", "2026-10-25", 24, 1, 0), // 25 h
	})
}

func TestRollupsDayWithoutMidnight(t *testing.T) {
	// In Santiago the clocks went from 2022-09-10 24:00 to 2022-09-11
	// 01:00: that day began at 01:00 and lasted 23 hours.
	s := openTest(t)
	santiago := loadLoc(t, "America/Santiago")
	put(t, s, comp("api", localTime(t, santiago, "2022-09-10 12:00"), status.NoData, status.Up))
	build(t, s, santiago, localTime(t, santiago, "2022-09-12 00:00"))
	checkRollups(t, allRollups(t, s), []DayRollup{
		{Kind: status.Component, Subject: "api", Day: "2022-09-10", Up: h(12), NoData: h(12)},
		{Kind: status.Component, Subject: "api", Day: "2022-09-11", Up: h(23)},
	})
}

func TestRollupsDaysInNoDataHaveNoRow(t *testing.T) {
	s := openTest(t)
	at := func(v string) time.Time { return localTime(t, time.UTC, v) }
	put(t, s,
		comp("old", at("2026-05-01 12:00"), status.NoData, status.Up),
		comp("old", at("2026-05-02 06:00"), status.Up, status.NoData), // removed
		comp("old", at("2026-05-04 18:00"), status.NoData, status.Down),
	)
	build(t, s, time.UTC, at("2026-05-05 00:00"))
	checkRollups(t, allRollups(t, s), []DayRollup{
		{Kind: status.Component, Subject: "old", Day: "2026-05-01", Up: h(12), NoData: h(12)},
		{Kind: status.Component, Subject: "old", Day: "2026-05-02", Up: h(6), NoData: h(18)},
		{Kind: status.Component, Subject: "old", Day: "2026-05-04", Down: h(6), NoData: h(18)},
	})
}

func TestRollupsLateChangeRecomputes(t *testing.T) {
	berlin := loadLoc(t, "Europe/Berlin")
	at := func(v string) time.Time { return localTime(t, berlin, v) }
	first := []status.Change{
		comp("api", at("2026-05-01 08:00"), status.NoData, status.Up),
		comp("api", at("2026-05-04 10:00"), status.Up, status.Down),
		comp("api", at("2026-05-04 10:30"), status.Down, status.Up),
	}
	// A back-filled incident, two days before the watermark, and a
	// subject whose history starts before it.
	late := []status.Change{
		comp("api", at("2026-05-02 03:00"), status.Up, status.Down),
		comp("api", at("2026-05-02 04:15"), status.Down, status.Up),
		comp("new", at("2026-04-30 23:00"), status.NoData, status.Degraded),
	}
	now := at("2026-05-05 12:00")

	s := openTest(t)
	put(t, s, first...)
	build(t, s, berlin, now)
	before := allRollups(t, s)
	put(t, s, late...)
	from, _, err := metaInt(context.Background(), s.rdb, metaRollupFrom)
	if err != nil || from != ms(at("2026-04-30 23:00")) {
		t.Errorf("watermark %v, %v; want it lowered to the late change", fromMS(from), err)
	}
	build(t, s, berlin, now)
	got := allRollups(t, s)
	if slices.Equal(got, before) {
		t.Fatal("late changes changed nothing")
	}

	fresh := openTest(t)
	put(t, fresh, append(slices.Clone(first), late...)...)
	build(t, fresh, berlin, now)
	checkRollups(t, got, allRollups(t, fresh))
	for _, r := range got {
		if r.Subject == "api" && r.Day == "2026-05-02" && (r.Down != h(1.25) || r.Up != h(22.75)) {
			t.Errorf("back-filled day: %s", fmtRollup(r))
		}
	}
}

func TestRollupsOtherZoneRebuilds(t *testing.T) {
	berlin := loadLoc(t, "Europe/Berlin")
	changes := []status.Change{
		comp("api", time.Date(2026, 5, 1, 23, 30, 0, 0, time.UTC), status.NoData, status.Up),
		comp("api", time.Date(2026, 5, 3, 22, 30, 0, 0, time.UTC), status.Up, status.Down),
	}
	now := time.Date(2026, 5, 5, 12, 0, 0, 0, time.UTC)
	s := openTest(t)
	put(t, s, changes...)
	build(t, s, time.UTC, now)
	build(t, s, berlin, now)

	fresh := openTest(t)
	put(t, fresh, changes...)
	build(t, fresh, berlin, now)
	checkRollups(t, allRollups(t, s), allRollups(t, fresh))
}

func TestComponentDaysEmpty(t *testing.T) {
	s := openTest(t)
	days, err := s.ComponentDays(context.Background(), time.UTC, t0, 90)
	if err != nil || len(days) != 0 {
		t.Errorf("ComponentDays on an empty store = %v, %v", days, err)
	}
	if err := s.BuildRollups(context.Background(), time.UTC, t0); err != nil {
		t.Errorf("BuildRollups on an empty store: %v", err)
	}
}

func TestRollupsLateChangeDuringBuild(t *testing.T) {
	// A change committed between two days of one BuildRollups pass: the
	// pass must not carry the levels it computed over the change.
	ctx := context.Background()
	at := func(v string) time.Time { return localTime(t, time.UTC, v) }
	first := []status.Change{
		comp("api", at("2026-05-01 08:00"), status.NoData, status.Up),
		comp("api", at("2026-05-03 08:00"), status.Up, status.Degraded),
	}
	late := comp("api", at("2026-05-01 12:00"), status.Up, status.Down)
	now := at("2026-05-05 12:00")

	s := openTest(t)
	put(t, s, first...)
	b := dailyBuild{s: s, loc: time.UTC, nowMS: ms(now)}
	for range 2 { // 05-01 and 05-02
		if done, err := b.step(ctx); err != nil || done {
			t.Fatalf("step: %v, %v", done, err)
		}
	}
	put(t, s, late)
	for done := false; !done; {
		var err error
		if done, err = b.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	fresh := openTest(t)
	put(t, fresh, append(slices.Clone(first), late)...)
	build(t, fresh, time.UTC, now)
	checkRollups(t, allRollups(t, s), allRollups(t, fresh))
}
