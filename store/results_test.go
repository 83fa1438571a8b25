package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

func TestResultsQuery(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	ctx := context.Background()
	want := status.Result{
		Check: "api", Zone: "us", Instance: "10.0.0.7:8080",
		Start:    t0.Add(1500*time.Millisecond + 999*time.Microsecond), // stored to the ms
		Duration: 2*time.Second + 345678*time.Nanosecond,               // stored to the µs
		Outcome:  status.Down, Reason: "HTTP 503", Detail: "GET https://10.0.0.7:8080/healthz: 503",
		Value: -0.25, HasValue: true,
	}
	w.Write([]status.Result{want}, nil)
	w.Write(numbered("api", t0, 0, 1), nil)
	w.Write(numbered("api", t0, 2, 3), nil) // starts at +2s, +3s, +4s
	w.Write(numbered("other", t0, 0, 5), nil)
	w.Write([]status.Result{{Check: "api", Zone: "eu", Start: t0.Add(-time.Second), Outcome: status.Degraded}}, nil)
	flush(t, w)

	got, err := s.Results(ctx, "api", t0, t0.Add(4*time.Second), 0)
	if err != nil {
		t.Fatal(err)
	}
	var starts []time.Duration
	for _, r := range got {
		starts = append(starts, r.Start.Sub(t0))
	}
	// Newest first, [from, to): +3s, +2s, +1.5s, 0.
	wantStarts := []time.Duration{3 * time.Second, 2 * time.Second, 1500 * time.Millisecond, 0}
	if len(starts) != len(wantStarts) {
		t.Fatalf("starts %v, want %v", starts, wantStarts)
	}
	for i := range starts {
		if starts[i] != wantStarts[i] {
			t.Fatalf("starts %v, want %v", starts, wantStarts)
		}
	}
	r := got[2]
	want.Start = t0.Add(1500 * time.Millisecond)
	want.Duration = 2*time.Second + 345*time.Microsecond
	if r != want {
		t.Errorf("round trip:\n got %+v\nwant %+v", r, want)
	}
	if got[0].HasValue || got[0].Value != 0 {
		t.Errorf("a result without a value came back with one: %+v", got[0])
	}
	if r.Start.Location() != time.UTC {
		t.Errorf("Start in %v, want UTC", r.Start.Location())
	}

	limited, err := s.Results(ctx, "api", t0.Add(-time.Hour), t0.Add(time.Hour), 2)
	if err != nil || len(limited) != 2 || limited[0].Start.Sub(t0) != 4*time.Second {
		t.Errorf("limit 2: %+v, %v", limited, err)
	}
	if none, err := s.Results(ctx, "unknown", t0.Add(-time.Hour), t0.Add(time.Hour), 0); err != nil || len(none) != 0 {
		t.Errorf("unknown check: %+v, %v", none, err)
	}
	if n := countResults(t, s); n != 11 {
		t.Errorf("CountResults = %d, want 11", n)
	}
}

func TestLastResultAt(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, ok, err := s.LastResultAt(ctx); ok || err != nil {
		t.Fatalf("empty store: ok %v, err %v", ok, err)
	}
	w := startWriter(t, s, WriterOptions{})
	w.Write([]status.Result{
		{Check: "a", Zone: "eu", Start: t0, Duration: 30 * time.Second},                  // ends last
		{Check: "b", Zone: "eu", Start: t0.Add(time.Second), Duration: time.Millisecond}, // starts last
		{Check: "a", Zone: "us", Start: t0.Add(-time.Hour), Duration: 2 * time.Hour},     // not a's newest
	}, nil)
	flush(t, w)
	got, ok, err := s.LastResultAt(ctx)
	if err != nil || !ok || !got.Equal(t0.Add(30*time.Second)) {
		t.Errorf("LastResultAt = %v, %v, %v; want %v", got, ok, err, t0.Add(30*time.Second))
	}
}

func TestPruneResultsDeletesOnlyOlder(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	ctx := context.Background()
	// 25,000 results one a second: more than two prune chunks.
	const n = 25_000
	for i := 0; i < n; i += 1000 {
		w.Write(numbered("api", t0, i, 1000), nil)
	}
	flush(t, w)
	cut := t0.Add(22_000*time.Second + 500*time.Millisecond)
	deleted, err := s.PruneResults(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if deleted != 22_001 {
		t.Errorf("deleted %d, want 22001", deleted)
	}
	if left := countResults(t, s); left != n-22_001 {
		t.Errorf("%d left, want %d", left, n-22_001)
	}
	old, err := s.Results(ctx, "api", t0.Add(-time.Hour), cut, 0)
	if err != nil || len(old) != 0 {
		t.Errorf("results before the cut: %d, %v", len(old), err)
	}
	kept, err := s.Results(ctx, "api", cut, t0.Add(n*time.Second), 0)
	if err != nil || len(kept) != n-22_001 || kept[len(kept)-1].Start.Sub(t0) != 22_001*time.Second {
		t.Errorf("results after the cut: %d, %v", len(kept), err)
	}
	// Nothing older left: a second prune deletes nothing.
	if again, err := s.PruneResults(ctx, cut); err != nil || again != 0 {
		t.Errorf("second prune: %d, %v", again, err)
	}
}

func TestPruneResultsManyChecksSharingInstants(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	ctx := context.Background()
	// 40 checks in 3 zones, every minute for 4 hours: 28,800 results,
	// three at each instant of each check.
	var rs []status.Result
	for c := range 40 {
		for m := range 240 {
			for _, z := range []string{"eu", "us", "ap"} {
				rs = append(rs, status.Result{Check: fmt.Sprintf("c%02d", c), Zone: z, Start: t0.Add(time.Duration(m) * time.Minute), Outcome: status.Up})
			}
		}
	}
	w.Write(rs, nil)
	flush(t, w)
	cut := t0.Add(150 * time.Minute) // 150 instants of each check go
	deleted, err := s.PruneResults(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(40 * 150 * 3); deleted != want {
		t.Errorf("deleted %d, want %d", deleted, want)
	}
	if left := countResults(t, s); left != 40*90*3 {
		t.Errorf("%d left, want %d", left, 40*90*3)
	}
	for _, c := range []string{"c00", "c39"} {
		got, err := s.Results(ctx, c, t0.Add(-time.Hour), t0.Add(time.Hour*5), 0)
		if err != nil || len(got) != 270 || got[len(got)-1].Start != cut {
			t.Errorf("%s: %d left, oldest %v, %v", c, len(got), got[len(got)-1].Start, err)
		}
	}
}

func TestWriterIgnoresResentResults(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	rs := numbered("api", t0, 0, 3)
	w.Write(rs, nil)
	flush(t, w)
	resent := slices.Clone(rs)
	resent[0].Reason = "second copy"
	w.Write(resent, nil)
	w.Write(numbered("api", t0, 3, 1), nil)
	flush(t, w)
	if n := countResults(t, s); n != 4 {
		t.Errorf("stored %d results, want 4", n)
	}
	if !w.Healthy() {
		t.Error("a resend made the writer unhealthy")
	}
	got, _ := s.Results(context.Background(), "api", t0, t0.Add(time.Second), 0)
	if len(got) != 1 || got[0].Reason != "0" {
		t.Errorf("kept %+v, want the first copy", got)
	}
}

func TestPruneChunkSize(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	ctx := context.Background()
	w.Write(numbered("a", t0, 0, 15_000), nil)
	w.Write(numbered("b", t0, 0, 100), nil)
	flush(t, w)
	ids, err := s.checkIDs(ctx)
	if err != nil || len(ids) != 2 {
		t.Fatalf("checkIDs = %v, %v", ids, err)
	}
	cut := ms(t0.Add(time.Hour * 24))
	n, rest, err := s.pruneChunk(ctx, ids, cut)
	if err != nil || n != pruneChunk || len(rest) != 2 {
		t.Fatalf("first chunk: %d deleted, %d checks left, %v", n, len(rest), err)
	}
	n, rest, err = s.pruneChunk(ctx, rest, cut)
	if err != nil || n != 5_100 || len(rest) != 0 {
		t.Fatalf("second chunk: %d deleted, %d checks left, %v", n, len(rest), err)
	}
}

// TestPruneChunkChecks: a transaction visits at most pruneChecks checks,
// however few results each has.
func TestPruneChunkChecks(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	ctx := context.Background()
	for i := range pruneChecks + 20 {
		w.Write(numbered(fmt.Sprintf("c%d", i), t0, 0, 1), nil)
	}
	flush(t, w)
	ids, err := s.checkIDs(ctx)
	if err != nil || len(ids) != pruneChecks+20 {
		t.Fatalf("checkIDs = %d, %v", len(ids), err)
	}
	cut := ms(t0.Add(time.Hour))
	n, rest, err := s.pruneChunk(ctx, ids, cut)
	if err != nil || n != int64(pruneChecks) || len(rest) != 20 {
		t.Fatalf("first chunk: %d deleted, %d checks left, %v; want %d and 20", n, len(rest), err, pruneChecks)
	}
	n, rest, err = s.pruneChunk(ctx, rest, cut)
	if err != nil || n != 20 || len(rest) != 0 {
		t.Fatalf("second chunk: %d deleted, %d checks left, %v", n, len(rest), err)
	}
}
