// Command cluster runs the failover drill: PostgreSQL 15 and HAProxy from
// Debian's packages and three "ampel serve" nodes built from this tree,
// all in a temp dir on loopback, under the load (50 checks every
// second against a local target, an agent pushing through HAProxy,
// subscribers mailed each incident update by an in-process SMTP server,
// readers on the public pages through HAProxy). It kills the leader with
// SIGKILL again and again and prints the failover time, failed requests,
// lost and duplicated results, false state changes and duplicate mails.
//
//	go run ./bench/cluster -kills 20
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/ampelstatus/ampel/pkg/clustertest"
)

func main() {
	kills := flag.Int("kills", 20, "times the leader is killed with SIGKILL")
	checks := flag.Int("checks", 50, "local checks, each probed every second")
	subscribers := flag.Int("subscribers", 50, "subscribers mailed each incident update")
	readers := flag.Int("readers", 4, "visitors reading the public pages through HAProxy at once")
	lease := flag.Duration("lease", 0, "the cluster's lease (default: Ampel's, 10s)")
	between := flag.Duration("between", 5*time.Second, "steady load between a restarted node's return and the next kill")
	single := flag.Bool("single", false, "one node without [cluster] and no kills: the same load on a single Ampel, for comparison")
	keep := flag.Bool("keep", false, "keep the temp dir (configs, logs) and print its path")
	flag.Parse()
	os.Exit(run(*kills, clustertest.DrillOptions{Checks: *checks, Subscribers: *subscribers, Readers: *readers,
		Lease: *lease, Single: *single, Keep: *keep}, *between))
}

func run(kills int, opts clustertest.DrillOptions, between time.Duration) int {
	defer clustertest.Cleanup()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if opts.Single {
		kills = 0
	}
	start := time.Now()
	setup, cancel := context.WithTimeout(ctx, 3*time.Minute)
	d, err := clustertest.StartDrill(setup, opts)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer d.Close()
	if opts.Keep {
		fmt.Printf("cluster folder: %s\n", d.C.Dir)
	}
	fmt.Printf("settled after %s: %d nodes behind HAProxy %s\n", time.Since(start).Round(time.Second), len(d.C.Nodes), d.C.LB.URL())

	var failovers []time.Duration
	for i := range kills {
		kctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		f, err := d.KillLeader(kctx)
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "kill %d: %v\n", i+1, err)
			return 1
		}
		failovers = append(failovers, f)
		fmt.Printf("kill %2d: new leader after %s\n", i+1, f.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return 1
		case <-time.After(between): // the load's steady stretch, not a wait for readiness
		}
	}
	if opts.Single {
		// The baseline's steady stretch, as long as a short drill.
		select {
		case <-ctx.Done():
			return 1
		case <-time.After(30 * time.Second):
		}
		if err := d.PostUpdate(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	fctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	r, err := d.Finish(fctx, failovers)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("\nafter %s:\n%s", time.Since(start).Round(time.Second), r)
	return 0
}
