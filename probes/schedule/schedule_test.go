package schedule

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/probes"
)

func upProbe(context.Context, probes.Env) probes.Observation {
	return probes.Observation{Outcome: status.Up, Duration: time.Millisecond}
}

// collector gathers emitted results.
type collector struct {
	mu      sync.Mutex
	results []status.Result
}

func (c *collector) emit(r status.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.results = append(c.results, r)
}

func (c *collector) all() []status.Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]status.Result(nil), c.results...)
}

func jobs(n int, interval time.Duration, p probes.Prober) []Job {
	var js []Job
	for i := range n {
		js = append(js, Job{Check: fmt.Sprintf("check-%d", i), Zone: "z", Interval: interval, Timeout: time.Second, Probe: p})
	}
	return js
}

// runFor runs s for d of (fake) time, then stops it and waits for probes.
func runFor(s *Scheduler, d time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	time.Sleep(d)
	cancel()
	<-done
	waitCtx, stop := context.WithTimeout(context.Background(), time.Second)
	defer stop()
	s.Wait(waitCtx)
}

func TestEveryJobRunsWithinOneIntervalAndStaysOnGrid(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = 10 * time.Second
		var c collector
		var late atomic.Int64
		s := New(jobs(100, interval, upProbe), Options{
			Emit: c.emit,
			OnStart: func(_ *Job, lag time.Duration) {
				if lag > 0 {
					late.Add(1)
				}
			},
		})
		start := time.Now()
		// Six hours: drift would show as starts off the grid.
		runFor(s, 6*time.Hour)

		byCheck := map[string][]time.Time{}
		for _, r := range c.all() {
			byCheck[r.Check] = append(byCheck[r.Check], r.Start)
		}
		if len(byCheck) != 100 {
			t.Fatalf("%d checks ran, want 100", len(byCheck))
		}
		for name, starts := range byCheck {
			first := starts[0].Sub(start)
			if first < 0 || first >= interval {
				t.Fatalf("%s first ran %v after start, want within one interval", name, first)
			}
			if first != Offset(name, "z", interval) {
				t.Fatalf("%s first ran at %v, want its offset %v", name, first, Offset(name, "z", interval))
			}
			for i, st := range starts {
				if want := starts[0].Add(time.Duration(i) * interval); !st.Equal(want) {
					t.Fatalf("%s run %d at %v, want %v (drift)", name, i, st.Sub(start), want.Sub(start))
				}
			}
			if n := len(starts); n < 2159 || n > 2160 {
				t.Fatalf("%s ran %d times in 6h, want 2160", name, n)
			}
		}
		if late.Load() != 0 {
			t.Errorf("%d runs started late with an idle scheduler", late.Load())
		}
	})
}

func TestOffsetsSpreadEvenly(t *testing.T) {
	const interval = 10 * time.Second
	var buckets [10]int
	for i := range 10000 {
		o := Offset(fmt.Sprintf("check-%d", i), "eu-central", interval)
		if o < 0 || o >= interval {
			t.Fatalf("offset %v outside the interval", o)
		}
		buckets[o/time.Second]++
	}
	for i, n := range buckets {
		if n < 850 || n > 1150 {
			t.Errorf("second %d of the interval has %d of 10000 first runs, want about 1000", i, n)
		}
	}
	if Offset("a", "eu", interval) == Offset("a", "us", interval) {
		t.Error("zones of one check start together")
	}
}

func TestPanickingProbeIsADownResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c collector
		boom := func(context.Context, probes.Env) probes.Observation { panic("kaboom") }
		js := append(jobs(1, 5*time.Second, boom), Job{Check: "fine", Zone: "z", Interval: 5 * time.Second, Probe: upProbe})
		runFor(New(js, Options{Emit: c.emit}), 16*time.Second)
		var panicked, fine int
		for _, r := range c.all() {
			switch r.Check {
			case "check-0":
				panicked++
				if r.Outcome != status.Down || r.Reason != "probe failed" || r.Detail != "probe panicked: kaboom" {
					t.Fatalf("panic result %+v", r)
				}
			case "fine":
				fine++
			}
		}
		if panicked < 3 || fine < 3 {
			t.Fatalf("panicking check ran %d times, healthy one %d; the scheduler must keep going", panicked, fine)
		}
	})
}

func TestConcurrencyCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var inFlight, peak atomic.Int64
		slow := func(ctx context.Context, _ probes.Env) probes.Observation {
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(3 * time.Second)
			inFlight.Add(-1)
			return probes.Observation{Outcome: status.Up}
		}
		var c collector
		js := jobs(20, 10*time.Second, slow)
		for i := range js {
			js[i].Timeout = 5 * time.Second
		}
		runFor(New(js, Options{Emit: c.emit, MaxConcurrent: 3}), time.Minute)
		if peak.Load() != 3 {
			t.Errorf("peak concurrency %d, want the cap 3", peak.Load())
		}
		if len(c.all()) == 0 {
			t.Error("nothing ran")
		}
	})
}

func TestTimeoutNeverExceedsInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var took []time.Duration
		var mu sync.Mutex
		hang := func(ctx context.Context, _ probes.Env) probes.Observation {
			start := time.Now()
			<-ctx.Done()
			// The run in flight at the end is abandoned early by Wait.
			if ctx.Err() == context.DeadlineExceeded {
				mu.Lock()
				took = append(took, time.Since(start))
				mu.Unlock()
			}
			return probes.Observation{Outcome: status.Down, Reason: "timeout"}
		}
		js := jobs(1, 4*time.Second, hang)
		js[0].Timeout = time.Minute
		runFor(New(js, Options{Emit: func(status.Result) {}}), 30*time.Second)
		mu.Lock()
		defer mu.Unlock()
		if len(took) == 0 {
			t.Fatal("probe never ran")
		}
		for _, d := range took {
			if d != 4*time.Second {
				t.Fatalf("probe ran %v, want cut to the 4s interval", d)
			}
		}
	})
}

// stopOnceStarted runs s until its first probe has started, then stops
// dispatching; the probe stays in flight for Wait.
func stopOnceStarted(s *Scheduler, started <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	<-started
	cancel()
	<-done
}

func TestWaitAbandonsAtDeadlineAndDiscards(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c collector
		started := make(chan struct{}, 1)
		hang := func(ctx context.Context, _ probes.Env) probes.Observation {
			started <- struct{}{}
			<-ctx.Done()
			return probes.Observation{Outcome: status.Down, Reason: "timeout"}
		}
		js := jobs(1, time.Minute, hang)
		js[0].Timeout = time.Minute
		s := New(js, Options{Emit: c.emit})
		stopOnceStarted(s, started)
		waitCtx, stop := context.WithTimeout(context.Background(), 2*time.Second)
		defer stop()
		before := time.Now()
		s.Wait(waitCtx)
		if waited := time.Since(before); waited != 2*time.Second {
			t.Errorf("Wait took %v, want the 2s deadline", waited)
		}
		if n := len(c.all()); n != 0 {
			t.Errorf("an abandoned probe was recorded (%d results)", n)
		}
	})
}

func TestWaitLetsProbesFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c collector
		started := make(chan struct{}, 1)
		slow := func(ctx context.Context, _ probes.Env) probes.Observation {
			started <- struct{}{}
			time.Sleep(500 * time.Millisecond)
			return probes.Observation{Outcome: status.Up}
		}
		s := New(jobs(1, time.Minute, slow), Options{Emit: c.emit})
		stopOnceStarted(s, started)
		waitCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		s.Wait(waitCtx)
		if n := len(c.all()); n != 1 {
			t.Errorf("%d results, want the in-flight probe's one", n)
		}
	})
}

func TestFallingBehindSkipsInsteadOfBursting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// One slot, two jobs whose probes take 8s each at a 5s interval:
		// the scheduler cannot keep up and must skip, not queue a burst.
		var c collector
		var skipped atomic.Int64
		slow := func(context.Context, probes.Env) probes.Observation {
			time.Sleep(8 * time.Second)
			return probes.Observation{Outcome: status.Up}
		}
		js := jobs(2, 10*time.Second, slow)
		for i := range js {
			js[i].Timeout = 9 * time.Second
		}
		runFor(New(js, Options{Emit: c.emit, MaxConcurrent: 1, OnSkip: func(*Job) { skipped.Add(1) }}), 10*time.Minute)
		n := len(c.all())
		if n > 76 || n < 60 {
			t.Errorf("%d runs in 10 min with one slot and 8s probes, want about 75", n)
		}
		if skipped.Load() == 0 {
			t.Error("no skipped runs counted")
		}
	})
}

// TestResultCarriesValue: a probe's measured value reaches the result.
func TestResultCarriesValue(t *testing.T) {
	measure := func(context.Context, probes.Env) probes.Observation {
		return probes.Observation{Outcome: status.Up, Value: 0.5, HasValue: true}
	}
	s := New(nil, Options{Emit: func(status.Result) {}})
	r, ok := s.probe(&Job{Check: "m", Zone: "z", Timeout: time.Second, Probe: measure})
	if !ok || !r.HasValue || r.Value != 0.5 {
		t.Fatalf("result %+v", r)
	}
	if r, _ := s.probe(&Job{Check: "u", Zone: "z", Timeout: time.Second, Probe: upProbe}); r.HasValue {
		t.Fatalf("a probe without a value gave %+v", r)
	}
}
