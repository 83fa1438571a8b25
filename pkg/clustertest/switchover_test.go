package clustertest

import (
	"context"
	"testing"
	"time"
)

// switchoverOutage is how long TestDatabaseSwitchover keeps PostgreSQL
// down. The switchover takes 10-60 s; CI takes the short end (the
// nodes' behaviour does not change past the lease, which is 3 s here);
// bench and operators can rehearse longer ones with pgtest's Stop/Start.
const switchoverOutage = 10 * time.Second

// TestDatabaseSwitchover stops PostgreSQL for 10 s under read load
// through HAProxy, as a Patroni or managed switchover does (every
// connection drops, then the same DSN answers), and starts it again:
// every public GET is answered, nothing changes state, nothing the agent
// was acknowledged is lost, and one node leads afterwards.
func TestDatabaseSwitchover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d, err := StartDrill(ctx, DrillOptions{Checks: 10, Subscribers: 5, Lease: testLease})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.C.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	before := d.Load.Requests()
	if err := d.C.PG.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-time.After(switchoverOutage): // the outage's length, not a wait for readiness
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	during := d.Load.Requests() - before
	if err := d.C.PG.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.C.WaitLeader(ctx); err != nil {
		d.C.dumpLogs(t)
		t.Fatal(err)
	}
	if err := d.C.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	// A mail after the database came back reaches everyone once.
	if err := d.PostUpdate(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := d.Finish(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d public requests while PostgreSQL was down", during)
	if during == 0 {
		t.Error("no public request was made while PostgreSQL was down")
	}
	// The database stop is a fault like a kill: a mail the SMTP server
	// accepted as PostgreSQL went away cannot be marked sent, and the
	// leader after it sends it again.
	checkReport(t, r, r.Kills+1)
	if t.Failed() {
		d.C.dumpLogs(t)
	}
}
