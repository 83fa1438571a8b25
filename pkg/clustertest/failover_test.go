package clustertest

import (
	"context"
	"testing"
	"time"
)

// checkReport fails the test for every goal of the issue a drill missed;
// faults is how many faults (kills, a database stop) may each repeat a mail.
func checkReport(t *testing.T, r Report, faults int) {
	t.Helper()
	t.Logf("\n%s", r)
	if r.Load.Requests == 0 {
		t.Error("no public request was made")
	}
	if r.Load.Failed > 0 {
		t.Errorf("%d public requests through HAProxy failed: %v", r.Load.Failed, r.Load.Failures)
	}
	if r.AgentProbes == 0 {
		t.Error("the agent probed nothing")
	}
	if r.AgentLost != 0 || r.AgentDuplicated != 0 {
		t.Errorf("agent results: %d lost, %d duplicated (of %d)", r.AgentLost, r.AgentDuplicated, r.AgentProbes)
	}
	if r.DoubleProbes != 0 {
		t.Errorf("%d local probes ran twice at once: two leaders", r.DoubleProbes)
	}
	if len(r.FalseChanges) > 0 || r.Load.NotOperational > 0 {
		t.Errorf("false state changes: %v; components read not operational %d times: %v", r.FalseChanges, r.Load.NotOperational, r.Load.NotOperationalSeen)
	}
	if r.MissingMails != 0 {
		t.Errorf("%d of %d mails never arrived", r.MissingMails, r.ExpectedMails)
	}
	if r.DuplicateMails > faults {
		t.Errorf("%d duplicate mails after %d faults, want at most one a fault", r.DuplicateMails, faults)
	}
	if r.Leaders != 1 {
		t.Errorf("%d leaders at the end, want 1", r.Leaders)
	}
}

// TestKillTheLeaderUnderLoad kills the leader with SIGKILL three times
// under the load (50 checks every second, an agent pushing
// through HAProxy, subscribers mailed an incident update at each kill,
// readers on the pages through HAProxy): another node leads within the
// lease, no public request fails, no agent result is lost or stored
// twice, nothing changes state, and at most the mail in flight at each
// kill arrives twice. bench/cluster runs the same drill with 20 kills.
func TestKillTheLeaderUnderLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d, err := StartDrill(ctx, DrillOptions{Lease: testLease})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var failovers []time.Duration
	for range 3 {
		f, err := d.KillLeader(ctx)
		if err != nil {
			d.C.dumpLogs(t)
			t.Fatal(err)
		}
		failovers = append(failovers, f)
	}
	r, err := d.Finish(ctx, failovers)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, r, r.Kills)
	for _, f := range failovers {
		// The bound is the lease, seen through /metrics polled on a
		// loaded machine: a failover three leases long is broken.
		if f > 3*testLease {
			t.Errorf("failover took %s with a %s lease", f, testLease)
		}
	}
	if t.Failed() {
		d.C.dumpLogs(t)
	}
}
