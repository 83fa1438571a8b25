// Command siteload measures the status site under an outage crowd while
// "ampel serve" probes 1,000 checks: requests a second and p99 latency of
// / and /api/v2/summary.json at 50 and 1,000 connections, beside the same
// figures for a bare net/http server that returns the same bytes from
// memory (the ceiling on this machine); 10,000 idle /events subscribers and
// the time one state change takes to reach all of them; and how many probe
// runs started late or not at all while the load ran.
//
// With -agent the checks run in a remote zone and an "ampel agent" on the
// same machine probes them: the probes then have a process, a heap and a
// garbage collector of their own.
//
//	go run ./bench/siteload -checks 1000 -interval 10s
//	go run ./bench/siteload -generator go,wrk -sse 0   # also with wrk; CPU per request
//
// ampel, the ceiling server and this load generator are three processes on
// the same machine: the generator's CPU is taken from the servers alike, so
// the ratio to the ceiling is the figure to read.
package main

import (
	"flag"
	"fmt"
	"log"
	"strings"
	"syscall"
	"time"
)

func main() {
	o := options{}
	flag.IntVar(&o.checks, "checks", 1000, "number of HTTP checks ampel runs (one of them the flip check)")
	flag.DurationVar(&o.interval, "interval", 10*time.Second, "check interval")
	flag.IntVar(&o.perComponent, "per-component", 20, "checks per component (components come in groups of 10)")
	flag.IntVar(&o.maxConcurrent, "max-concurrent", 0, "scheduler.max_concurrent (0: Ampel's default)")
	flag.DurationVar(&o.each, "each", 15*time.Second, "how long each load measurement runs against each server")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds each measurement is split into, alternating ampel and the ceiling")
	flag.StringVar(&o.conns, "conns", "50,1000", "connection counts to measure")
	flag.IntVar(&o.subscribers, "sse", 10000, "idle /events subscribers to hold open (0: skip that part and the state change)")
	flag.StringVar(&o.generators, "generator", "go", "load generators to measure with, in turn: go (this program's own), wrk (apt-get install wrk), or both as go,wrk")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir")
	flag.StringVar(&o.pprof, "pprof", "", "server.pprof_listen for ampel (a loopback host:port), to take a profile or an execution trace while the load runs")
	flag.BoolVar(&o.agent, "agent", false, "probe from an \"ampel agent\" process beside \"ampel serve\" (a remote zone), reading the probes' lag from the agent's own metrics")
	flag.StringVar(&o.bin, "ampel", "", "an ampel binary to measure (default: build ./cmd/ampel), to compare builds on one machine")
	ceiling := flag.String("ceiling-serve", "", "internal: serve the bodies saved in this folder as the ceiling server")
	flag.Parse()
	if err := raiseFileLimit(); err != nil {
		log.Fatal(err)
	}
	if o.rounds < 1 {
		log.Fatal("-rounds must be at least 1")
	}
	if *ceiling != "" {
		if err := serveCeiling(*ceiling); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

type options struct {
	checks        int
	interval      time.Duration
	maxConcurrent int
	pprof         string
	perComponent  int
	each          time.Duration
	rounds        int
	conns         string
	subscribers   int
	generators    string
	keep          bool
	bin           string
	agent         bool
}

// generatorNames parses -generator.
func (o options) generatorNames() ([]string, error) {
	var out []string
	for _, g := range strings.Split(o.generators, ",") {
		g = strings.TrimSpace(g)
		if _, ok := generators[g]; !ok {
			return nil, fmt.Errorf("-generator: %q is not go or wrk", g)
		}
		out = append(out, g)
	}
	return out, nil
}

// connCounts parses -conns.
func (o options) connCounts() ([]int, error) {
	var out []int
	for _, f := range strings.Split(o.conns, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err != nil || n < 1 {
			return nil, fmt.Errorf("-conns: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// raiseFileLimit lifts the soft limit on open files to the hard limit:
// 10,000 subscribers need as many descriptors here and in ampel, which
// inherits the limit.
func raiseFileLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("getrlimit: %w", err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("setrlimit: %w", err)
	}
	return nil
}
