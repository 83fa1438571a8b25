package store

import (
	"context"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestMonthlyAndSpanRollups sums daily rows by month and over a span, for
// components only (never a check in a zone), and leaves days without rows
// out.
func TestMonthlyAndSpanRollups(t *testing.T) {
	utc := time.UTC
	s := openTest(t)
	put(t, s,
		comp("api", localTime(t, utc, "2026-01-31 00:00"), status.NoData, status.Up),
		comp("api", localTime(t, utc, "2026-01-31 23:00"), status.Up, status.Down),
		comp("api", localTime(t, utc, "2026-02-01 01:00"), status.Down, status.Partial),
		comp("api", localTime(t, utc, "2026-02-01 02:00"), status.Partial, status.Up),
		comp("web", localTime(t, utc, "2026-02-01 12:00"), status.NoData, status.Maintenance),
		status.Change{Kind: status.CheckZone, Subject: "api-health", Zone: "eu", At: localTime(t, utc, "2026-01-31 00:00"), To: status.Down},
	)
	build(t, s, utc, localTime(t, utc, "2026-02-02 00:00"))
	ctx := context.Background()

	months, err := s.MonthlyRollups(ctx, status.Component, "2026-01-01", "2026-02-28")
	if err != nil {
		t.Fatal(err)
	}
	h := time.Hour
	want := []SpanRollup{
		{Subject: "api", Span: "2026-01", Days: 1, Up: 23 * h, Down: h},
		{Subject: "api", Span: "2026-02", Days: 1, Up: 22 * h, Down: h, Partial: h},
		{Subject: "web", Span: "2026-02", Days: 1, Maintenance: 12 * h, NoData: 12 * h},
	}
	if len(months) != len(want) {
		t.Fatalf("monthly: %+v", months)
	}
	for i := range want {
		if months[i] != want[i] {
			t.Errorf("monthly[%d] = %+v, want %+v", i, months[i], want[i])
		}
	}

	span, err := s.SpanRollups(ctx, status.Component, "2026-01-31", "2026-02-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(span) != 2 || span[0] != (SpanRollup{Subject: "api", Span: "2026-01-31", Days: 2, Up: 45 * h, Down: 2 * h, Partial: h}) {
		t.Errorf("span: %+v", span)
	}
	// A range with no rows, and a bad date.
	if none, err := s.SpanRollups(ctx, status.Component, "2025-01-01", "2025-01-31"); err != nil || len(none) != 0 {
		t.Errorf("empty range: %+v, %v", none, err)
	}
	if _, err := s.MonthlyRollups(ctx, status.Component, "2026-13-01", "2026-12-31"); err == nil {
		t.Error("bad date accepted")
	}
}

// TestChangeBefore finds the level a subject was in at an instant.
func TestChangeBefore(t *testing.T) {
	utc := time.UTC
	s := openTest(t)
	at := localTime(t, utc, "2026-03-01 10:00")
	put(t, s,
		comp("api", at, status.NoData, status.Up),
		comp("api", at.Add(time.Hour), status.Up, status.Down),
		comp("api", at.Add(time.Hour), status.Down, status.Partial), // same instant: the later stored wins
		comp("web", at, status.NoData, status.Down),
	)
	ctx := context.Background()
	if _, ok, err := s.ChangeBefore(ctx, status.Component, "api", at); ok || err != nil {
		t.Errorf("before the first change: ok %v, err %v", ok, err)
	}
	c, ok, err := s.ChangeBefore(ctx, status.Component, "api", at.Add(time.Hour))
	if err != nil || !ok || c.To != status.Up {
		t.Errorf("at the second change: %+v %v %v", c, ok, err)
	}
	c, ok, err = s.ChangeBefore(ctx, status.Component, "api", at.Add(2*time.Hour))
	if err != nil || !ok || c.To != status.Partial || !c.At.Equal(at.Add(time.Hour)) {
		t.Errorf("after: %+v %v %v", c, ok, err)
	}
}
