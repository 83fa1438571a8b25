package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

func TestValueHours(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	ctx := context.Background()
	at := func(d time.Duration, zone, instance string, v float64, has bool) status.Result {
		return status.Result{Check: "m", Zone: zone, Instance: instance, Start: t0.Add(d), Outcome: status.Up, Value: v, HasValue: has}
	}
	w.Write([]status.Result{
		at(-time.Minute, "eu", "", 100, true), // before from
		at(0, "eu", "", 1, true),
		at(10*time.Minute, "us", "", 3, true),
		at(20*time.Minute, "eu", "10.0.0.1:80", 8, true), // instances count too
		at(30*time.Minute, "eu", "", 0, false),           // no value: not a zero
		at(2*time.Hour+time.Second, "eu", "", -2, true),  // hour 1 has none
		at(3*time.Hour, "eu", "", 50, true),              // at to: excluded
		{Check: "other", Zone: "eu", Start: t0, Value: 7, HasValue: true},
	}, nil)
	flush(t, w)

	got, err := s.ValueHours(ctx, "m", t0, t0.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []ValueHour{
		{Hour: t0, Count: 3, Min: 1, Avg: 4, Max: 8},
		{Hour: t0.Add(2 * time.Hour), Count: 1, Min: -2, Avg: -2, Max: -2},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("hours\n got %v\nwant %v", got, want)
	}
	if got[0].Hour.Location() != time.UTC {
		t.Errorf("Hour in %v, want UTC", got[0].Hour.Location())
	}
	if none, err := s.ValueHours(ctx, "unknown", t0, t0.Add(time.Hour)); err != nil || len(none) != 0 {
		t.Fatalf("unknown check: %v %v", none, err)
	}
}

// BenchmarkValueHours reads a week of hourly values of one check, as the
// component page does for each metrics check when its cached page
// expires: probed 10,000 times a day (about every 9 s), and as a pod set
// of 4 instances in 3 zones every 30 s (34,560 results a day).
func BenchmarkValueHours(b *testing.B) {
	for _, perDay := range []int{10_000, 34_560} {
		b.Run(fmt.Sprintf("per_day=%d", perDay), func(b *testing.B) { benchValueHours(b, perDay) })
	}
}

func benchValueHours(b *testing.B, perDay int) {
	s := openTest(b)
	ctx := context.Background()
	w := s.StartWriter(WriterOptions{})
	const days = 7
	step := 24 * time.Hour / time.Duration(perDay)
	batch := make([]status.Result, 0, 1000)
	for i := range perDay * days {
		batch = append(batch, status.Result{
			Check: "m", Zone: []string{"eu", "us", "ap"}[i%3], Start: t0.Add(time.Duration(i) * step),
			Duration: 3 * time.Millisecond, Outcome: status.Up, Detail: "errors_ratio = 0.01",
			Value: float64(i%100) / 1000, HasValue: true,
		})
		if len(batch) == cap(batch) {
			w.Write(batch, nil)
			batch = make([]status.Result, 0, 1000)
		}
	}
	w.Write(batch, nil)
	if err := w.Close(ctx); err != nil {
		b.Fatal(err)
	}
	end := t0.Add(days * 24 * time.Hour)
	b.ResetTimer()
	for b.Loop() {
		hs, err := s.ValueHours(ctx, "m", t0, end)
		if err != nil || len(hs) != days*24 {
			b.Fatalf("%d hours, %v", len(hs), err)
		}
	}
}
