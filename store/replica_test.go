package store

import (
	"context"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/status"
)

// A batch whose commit reached the database but whose answer was lost
// with the connection is written again by the writer's retry: its
// changes must be stored once, as its results are.
func TestChangeStoredOnceWhenBatchRetried(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	it := &item{
		results: []status.Result{{Check: "api", Zone: "eu", Start: t0, Outcome: status.Down, Reason: "HTTP 503"}},
		changes: []status.Change{
			{Kind: status.CheckZone, Subject: "api", Zone: "eu", At: t0, From: status.Up, To: status.Down, Cause: "HTTP 503"},
			{Kind: status.Check, Subject: "api", At: t0, From: status.Up, To: status.Down, Cause: "down in eu"},
		},
	}
	ids := newNameIDs()
	for range 2 { // the commit, then the retry of the "failed" commit
		if err := s.writeBatch(ctx, ids, []*item{it}, nil); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ChangesAfter(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("stored %d changes, want 2: %+v", len(got), got)
	}
	if n, _ := s.CountResults(ctx); n != 1 {
		t.Errorf("stored %d results, want 1", n)
	}
}

func TestChangesAfterAndResultsFrom(t *testing.T) {
	s := openTest(t)
	w := startWriter(t, s, WriterOptions{})
	ctx := context.Background()
	if id, err := s.LastChangeID(ctx); err != nil || id != 0 {
		t.Fatalf("LastChangeID of an empty store = %d, %v", id, err)
	}
	w.Write([]status.Result{
		{Check: "api", Zone: "eu", Start: t0, Duration: time.Millisecond, Outcome: status.Up},
		{Check: "api", Zone: "us", Start: t0.Add(time.Second), Outcome: status.Down, Reason: "timeout"},
		{Check: "pods", Zone: "eu", Instance: "10.0.0.1:80", Start: t0.Add(2 * time.Second), Outcome: status.Up},
		{Check: "api", Zone: "eu", Start: t0.Add(-time.Minute), Outcome: status.Up},
	}, []status.Change{
		{Kind: status.CheckZone, Subject: "api", Zone: "eu", At: t0, From: status.NoData, To: status.Up, Cause: "up"},
		{Kind: status.Component, Subject: "web", At: t0, From: status.NoData, To: status.Up, Cause: "all checks up"},
	})
	flush(t, w)
	first, err := s.LastChangeID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(nil, []status.Change{{Kind: status.CheckZone, Subject: "api", Zone: "us", At: t0.Add(time.Second), From: status.NoData, To: status.Down, Cause: "timeout"}})
	flush(t, w)

	all, err := s.ChangesAfter(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Subject != "api" || all[1].Subject != "web" || all[2].Zone != "us" || all[2].ID <= first ||
		all[1].Kind != status.Component || all[2].To != status.Down || !all[2].At.Equal(t0.Add(time.Second)) {
		t.Fatalf("ChangesAfter(0) = %+v", all)
	}
	if got, _ := s.ChangesAfter(ctx, first, 100); len(got) != 1 || got[0].Cause != "timeout" {
		t.Errorf("ChangesAfter(first) = %+v", got)
	}
	if got, _ := s.ChangesAfter(ctx, 0, 1); len(got) != 1 || got[0].ID != all[0].ID {
		t.Errorf("ChangesAfter(0, limit 1) = %+v", got)
	}

	res, err := s.ResultsFrom(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[0].Zone != "eu" || res[1].Reason != "timeout" || res[1].Outcome != status.Down ||
		res[2].Instance != "10.0.0.1:80" || res[2].Check != "pods" || res[0].Duration != time.Millisecond {
		t.Errorf("ResultsFrom(t0) = %+v", res)
	}
}

// On SQLite, one process is everything: Listen has nobody to hear and
// only waits.
func TestListenOnSQLiteWaits(t *testing.T) {
	s := openSQLiteTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s.Listen(ctx, ListenOptions{}, func(ch, _ string) { t.Errorf("woken on SQLite: %q", ch) }, ChannelState)
	if ctx.Err() == nil {
		t.Fatal("Listen returned before its context ended")
	}
}

// Two stores on one PostgreSQL database, as two nodes: what one commits,
// the other hears of, on the channel of what changed; after its
// connection is cut it reconnects and is told to catch up.
func TestPostgresListen(t *testing.T) {
	dsn := pgtest.DBFrom(t, migratedTemplate(t), migrateTemplate)
	ctx := context.Background()
	open := func() *Store {
		s, err := OpenPostgres(ctx, dsn, PostgresOptions{})
		if err != nil {
			t.Fatal(err)
		}
		closeAtCleanup(t, s)
		return s
	}
	a, b := open(), open()
	heard := make(chan string, 100)
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Listen(lctx, ListenOptions{Ping: 100 * time.Millisecond, RetryMax: 200 * time.Millisecond},
			func(ch, payload string) {
				if at, ok := NotifiedAt(payload); ch != "" && (!ok || time.Since(at) > time.Minute || time.Until(at) > time.Minute) {
					t.Errorf("notification on %s says it was sent at %q", ch, payload)
				}
				heard <- ch
			}, ChannelState, ChannelOverlay)
	}()
	defer func() { stop(); <-done }()
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-heard:
			if got != want {
				t.Fatalf("heard %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("heard nothing, want %q", want)
		}
	}
	expect("") // connected: catch up

	w := startWriter(t, b, WriterOptions{})
	w.Write([]status.Result{{Check: "api", Zone: "eu", Start: t0, Outcome: status.Up}}, nil)
	flush(t, w)
	expect(ChannelState)

	// Silence longer than the ping interval keeps the connection.
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		select {
		case ch := <-heard:
			t.Fatalf("heard %q while nothing happened", ch)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if _, err := b.CreateIncident(ctx, Incident{Name: "API errors", Status: "investigating", Impact: "minor", Started: t0},
		IncidentUpdate{Status: "investigating", Body: "Looking", At: t0}, tokenActor, t0); err != nil {
		t.Fatal(err)
	}
	expect(ChannelOverlay)

	// The server drops the listener's connection: it comes back and
	// says to catch up, then hears again.
	const kill = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ampel listen'`
	if _, err := b.wdb.ExecContext(ctx, kill); err != nil {
		t.Fatal(err)
	}
	expect("")
	w.Write([]status.Result{{Check: "api", Zone: "eu", Start: t0.Add(time.Second), Outcome: status.Up}}, nil)
	flush(t, w)
	expect(ChannelState)
}
