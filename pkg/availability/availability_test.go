package availability

import (
	"math"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

const h, m = time.Hour, time.Minute

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// The figures below are worked out by hand from the formula
// 1 − (major + w·partial) / (period − maintenance − no data).
func TestUptimeHandComputed(t *testing.T) {
	cases := []struct {
		name string
		day  Day
		w    float64
		want float64
		ok   bool
	}{
		{"all up", Day{Totals: Totals{Up: 24 * h}}, 0.3, 1, true},
		{"degraded counts as up", Day{Totals: Totals{Up: 12 * h, Degraded: 12 * h}}, 0.3, 1, true},
		// 1 − 144 min / 1440 min = 0.9
		{"major 144 min", Day{Totals: Totals{Up: 24*h - 144*m, Major: 144 * m}}, 0.3, 0.9, true},
		// 1 − 0.3·240 / 1440 = 1 − 72/1440 = 0.95
		{"partial 240 min", Day{Totals: Totals{Up: 20 * h, Partial: 4 * h}}, 0.3, 0.95, true},
		// observed = 24h − 4h maintenance − 8h no data = 12h = 720 min;
		// bad = 60 + 0.5·120 = 120 → 1 − 120/720 = 5/6
		{"maintenance and no data excluded", Day{Totals: Totals{Up: 9 * h, Major: h, Partial: 2 * h, Maintenance: 4 * h, NoData: 8 * h}}, 0.5, 5.0 / 6, true},
		{"partial weight zero", Day{Totals: Totals{Up: 20 * h, Partial: 4 * h}}, 0, 1, true},
		{"nothing observed", Day{Totals: Totals{Maintenance: 4 * h, NoData: 20 * h}}, 0.3, 0, false},
	}
	for _, c := range cases {
		got, ok := c.day.Uptime(c.w)
		if ok != c.ok || !near(got, c.want) {
			t.Errorf("%s: Uptime = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestPeriodWeighsDaysByObservedTime(t *testing.T) {
	// Day 1: 24 h observed, 24 min down. Day 2: 12 h observed (12 h no
	// data), 72 min partial. bad = 24 + 0.3·72 = 45.6 min over 2160 min.
	days := []Day{
		{Totals: Totals{Up: 24*h - 24*m, Major: 24 * m}},
		{Totals: Totals{Up: 12*h - 72*m, Partial: 72 * m, NoData: 12 * h}},
		{Totals: Totals{NoData: 24 * h}}, // a day before monitoring began changes nothing
	}
	got, ok := Period(days, DefaultPartialWeight)
	if want := 1 - 45.6/2160; !ok || !near(got, want) {
		t.Fatalf("Period = %v, %v; want %v", got, ok, want)
	}
}

func TestDaysFillsMissingDaysAsNoData(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// 10:30 local on 2026-03-30, the day after the spring-forward day.
	now := time.Date(2026, 3, 30, 10, 30, 0, 0, berlin)
	rows := []store.DayRollup{
		{Kind: status.Component, Subject: "api", Day: "2026-03-29", Up: 22 * h, Down: h},
		{Kind: status.Component, Subject: "api", Day: "2026-03-30", Up: 10*h + 30*m},
	}
	days := Days(rows, berlin, now, 3)
	if len(days) != 3 {
		t.Fatalf("%d days", len(days))
	}
	if d := days[0]; d.Data || d.Date.Format(time.DateOnly) != "2026-03-28" || d.Period != 24*h || d.NoData != 24*h {
		t.Errorf("missing day: %+v", d)
	}
	if d := days[1]; !d.Data || d.Period != 23*h || d.Major != h {
		t.Errorf("short day: %+v", d)
	}
	if u, ok := days[1].Uptime(DefaultPartialWeight); !ok || !near(u, 22.0/23) {
		t.Errorf("short day uptime %v %v", u, ok)
	}
	if d := days[2]; !d.Data || d.Period != 10*h+30*m {
		t.Errorf("today: %+v", d)
	}
	// Today without a row counts only midnight to now as no data.
	days = Days(nil, berlin, now, 1)
	if d := days[0]; d.Data || d.Period != 10*h+30*m || d.NoData != d.Period {
		t.Errorf("today without data: %+v", d)
	}
}
