package store

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

func TestNearestRank(t *testing.T) {
	for _, tc := range []struct {
		name     string
		values   []int64
		p50, p95 int64
	}{
		{"one", []int64{7}, 7, 7},
		{"two", []int64{1, 2}, 1, 2},
		{"twenty", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 10, 19},
		{"twenty-one", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}, 11, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nearestRank(tc.values, 50); got != tc.p50 {
				t.Errorf("p50 = %d, want %d", got, tc.p50)
			}
			if got := nearestRank(tc.values, 95); got != tc.p95 {
				t.Errorf("p95 = %d, want %d", got, tc.p95)
			}
		})
	}
}

func TestLatencyHourly(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	ctx := context.Background()
	hour := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	res := func(check, zone string, start time.Time, d time.Duration, o status.Level) status.Result {
		return status.Result{Check: check, Zone: zone, Start: start, Duration: d, Outcome: o}
	}
	var rs []status.Result
	// eu: 1..100 ms up, in a random order, and slow failures that do not
	// count.
	for _, i := range rand.New(rand.NewPCG(1, 1)).Perm(100) {
		rs = append(rs, res("api", "eu", hour.Add(time.Duration(i)*30*time.Second), time.Duration(i+1)*time.Millisecond, status.Up))
	}
	for i := range 10 {
		rs = append(rs, res("api", "eu", hour.Add(time.Duration(i)*time.Minute), 5*time.Second, status.Down))
	}
	// us: three degraded results.
	for i, d := range []int{10, 30, 20} {
		rs = append(rs, res("api", "us", hour.Add(time.Duration(i)*time.Minute), time.Duration(d)*time.Millisecond, status.Degraded))
	}
	rs = append(rs,
		res("api", "eu", hour.Add(time.Hour+59*time.Minute+59*time.Second), 7*time.Millisecond, status.Up),
		res("api", "eu", hour.Add(2*time.Hour+time.Minute), 9*time.Millisecond, status.Up), // hour not over yet
		res("web", "eu", hour, time.Second, status.Up),
	)
	w.Write(rs, nil)
	flush(t, w)

	build(t, s, time.UTC, hour.Add(2*time.Hour+30*time.Minute))
	ms := time.Millisecond
	eu10 := LatencyHour{Check: "api", Zone: "eu", Hour: hour, Count: 100, Sum: 5050 * ms, Min: 1 * ms, Max: 100 * ms, P50: 50 * ms, P95: 95 * ms}
	us10 := LatencyHour{Check: "api", Zone: "us", Hour: hour, Count: 3, Sum: 60 * ms, Min: 10 * ms, Max: 30 * ms, P50: 20 * ms, P95: 30 * ms}
	eu11 := LatencyHour{Check: "api", Zone: "eu", Hour: hour.Add(time.Hour), Count: 1, Sum: 7 * ms, Min: 7 * ms, Max: 7 * ms, P50: 7 * ms, P95: 7 * ms}
	checkLatency(t, s, []LatencyHour{eu10, us10, eu11})

	// The hour completes.
	build(t, s, time.UTC, hour.Add(3*time.Hour))
	eu12 := LatencyHour{Check: "api", Zone: "eu", Hour: hour.Add(2 * time.Hour), Count: 1, Sum: 9 * ms, Min: 9 * ms, Max: 9 * ms, P50: 9 * ms, P95: 9 * ms}
	checkLatency(t, s, []LatencyHour{eu10, us10, eu11, eu12})

	// A result pushed late into an aggregated hour re-opens it.
	w.Write([]status.Result{res("api", "eu", hour.Add(59*time.Minute), time.Second, status.Up)}, nil)
	flush(t, w)
	build(t, s, time.UTC, hour.Add(3*time.Hour))
	eu10 = LatencyHour{Check: "api", Zone: "eu", Hour: hour, Count: 101, Sum: 6050 * ms, Min: 1 * ms, Max: 1000 * ms, P50: 51 * ms, P95: 96 * ms}
	checkLatency(t, s, []LatencyHour{eu10, us10, eu11, eu12})

	// Once results of an hour are partly pruned, a late one does not
	// re-aggregate it from what is left.
	if _, err := s.PruneResults(ctx, hour.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	w.Write([]status.Result{res("api", "eu", hour.Add(45*time.Minute), 2*time.Second, status.Up)}, nil)
	flush(t, w)
	build(t, s, time.UTC, hour.Add(3*time.Hour))
	checkLatency(t, s, []LatencyHour{eu10, us10, eu11, eu12})
}

func checkLatency(t *testing.T, s *Store, want []LatencyHour) {
	t.Helper()
	from := want[0].Hour.Add(-time.Hour)
	got, err := s.LatencyHours(context.Background(), "api", from, from.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("LatencyHours:\n got %+v\nwant %+v", got, want)
	}
}
