package agent

import (
	"testing"
	"time"

	"github.com/ampelstatus/ampel/probes/schedule"
)

// TestWorkersFromJobs: an agent sizes its probe workers from its jobs as
// serve does (one second's worth of runs, 256 to 4,096), unless told.
func TestWorkersFromJobs(t *testing.T) {
	jobs := func(n int, interval time.Duration) []schedule.Job {
		js := make([]schedule.Job, n)
		for i := range js {
			js[i].Interval = interval
		}
		return js
	}
	for _, c := range []struct {
		name string
		set  int
		jobs []schedule.Job
		want int
	}{
		{"100,000 at 60 s", 0, jobs(100000, time.Minute), 1667},
		{"1,000 at 10 s", 0, jobs(1000, 10*time.Second), 256},
		{"100,000 at 10 s", 0, jobs(100000, 10*time.Second), 4096},
		{"set", 8, jobs(100000, time.Minute), 8},
	} {
		a := &Agent{opts: Options{MaxConcurrent: c.set}}
		if got := a.workers(c.jobs); got != c.want {
			t.Errorf("%s: %d workers, want %d", c.name, got, c.want)
		}
	}
}
