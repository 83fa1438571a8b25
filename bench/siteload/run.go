package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// paths are the pages measured.
var paths = []string{"/", "/api/v2/summary.json"}

// measurement is one row of the report.
type measurement struct {
	generator     string
	path          string
	conns         int
	ampel, bare   loadResult
	sseSubscribed int
	// late is how many probe runs started more than 100 ms late, and
	// runs how many started, while this row's load ran.
	late, runs uint64
	// spool is the agent's spool depth as the row ended (-agent).
	spool float64
	// load is the 1-minute load average when the row ended.
	load string
	// idleAmpel and idleBare are each server's CPU at rest, CPU
	// seconds a second.
	idleAmpel, idleBare float64
}

// generators are the load generators by name.
var generators = map[string]func(base, path string, conns int, d time.Duration) (loadResult, error){
	"go": load, "wrk": loadWrk,
}

// measureOn runs gen against the server of process pid and adds the
// process's CPU time over the run to the result.
func measureOn(gen func(string, string, int, time.Duration) (loadResult, error), pid int, base, path string, conns int, d time.Duration) (loadResult, error) {
	before, err := cpuOf(pid)
	if err != nil {
		return loadResult{}, err
	}
	start := time.Now()
	r, err := gen(base, path, conns, d)
	if err != nil {
		return r, err
	}
	r.wall = time.Since(start)
	after, err := cpuOf(pid)
	r.cpu = after - before
	return r, err
}

// idleCPU is the CPU seconds a second process pid uses with no load, over
// d: for ampel, its probes and background work.
func idleCPU(pid int, d time.Duration) (float64, error) {
	before, err := cpuOf(pid)
	if err != nil {
		return 0, err
	}
	time.Sleep(d)
	after, err := cpuOf(pid)
	return float64(after-before) / float64(d), err
}

func run(o options) error {
	conns, err := o.connCounts()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ampel-siteload-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(dir, "ampel")
		log.Printf("building ampel into %s", bin)
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/ampel").CombinedOutput(); err != nil {
			return fmt.Errorf("build ampel: %v\n%s", err, out)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	tg, err := startTarget(8)
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(cfgPath, []byte(config(o, tg)), 0o600); err != nil {
		return err
	}
	amp, err := startChild(bin, []string{"serve", "--config", cfgPath}, filepath.Join(dir, "ampel.log"))
	if err != nil {
		return err
	}
	defer amp.cmd.Process.Kill()
	// probes is the process whose /metrics tell the probes' lag.
	probes := amp
	if o.agent {
		if probes, err = startAgent(bin, dir, cfgPath, amp.base); err != nil {
			return err
		}
		defer probes.cmd.Process.Kill()
		log.Printf("ampel agent probing zone %s, its metrics at %s", agentZone, probes.base)
	}
	log.Printf("ampel serving %s with %d checks every %v; warming up for one interval", amp.base, o.checks, o.interval)
	time.Sleep(o.interval + 2*time.Second)

	var rs []saved
	for _, p := range paths {
		s, err := fetch(amp.base, p)
		if err != nil {
			return err
		}
		log.Printf("%s: %d bytes (%s)", p, len(s.Body), s.Header.Get("Content-Encoding"))
		rs = append(rs, s)
	}
	if err := saveResponses(dir, rs); err != nil {
		return err
	}
	bare, err := startChild(self, []string{"-ceiling-serve", dir}, filepath.Join(dir, "ceiling.log"))
	if err != nil {
		return err
	}
	defer bare.cmd.Process.Kill()

	idle := map[string]float64{}
	for name, c := range map[string]*child{"ampel": amp, "ceiling": bare} {
		if idle[name], err = idleCPU(c.cmd.Process.Pid, 10*time.Second); err != nil {
			return err
		}
	}
	log.Printf("CPU at rest: ampel %.3f, ceiling %.3f CPU-s a second (taken off CPU per request)", idle["ampel"], idle["ceiling"])
	if o.agent {
		agentIdle, err := idleCPU(probes.cmd.Process.Pid, 10*time.Second)
		if err != nil {
			return err
		}
		log.Printf("CPU at rest: ampel agent %.3f CPU-s a second", agentIdle)
	}
	before, err := scrapeSched(probes.base)
	if err != nil {
		return err
	}
	loadFrom := time.Now()
	var rows []measurement
	gens, err := o.generatorNames()
	if err != nil {
		return err
	}
	measure := func(sub int) error {
		for _, g := range gens {
			for _, p := range paths {
				for _, n := range conns {
					m := measurement{generator: g, path: p, conns: n, sseSubscribed: sub}
					s0, err := scrapeSched(probes.base)
					if err != nil {
						return err
					}
					// Alternate short rounds, so a neighbour's burst of
					// CPU falls on both servers alike.
					round := o.each / time.Duration(o.rounds)
					for range o.rounds {
						r, err := measureOn(generators[g], amp.cmd.Process.Pid, amp.base, p, n, round)
						if err != nil {
							return fmt.Errorf("ampel %s at %d (%s): %w", p, n, g, err)
						}
						m.ampel.add(r)
						if r, err = measureOn(generators[g], bare.cmd.Process.Pid, bare.base, p, n, round); err != nil {
							return fmt.Errorf("ceiling %s at %d (%s): %w", p, n, g, err)
						}
						m.bare.add(r)
					}
					s1, err := scrapeSched(probes.base)
					if err != nil {
						return err
					}
					m.runs = s1.runs - s0.runs
					m.late = m.runs - (s1.within100ms - s0.within100ms)
					m.spool = s1.spool
					m.load = loadavg()
					m.idleAmpel, m.idleBare = idle["ampel"], idle["ceiling"]
					log.Printf("%-4s %-22s %5d conns, %5d subscribers: ampel %8.0f req/s p99 %-8v %5.1f µs CPU/req  ceiling %8.0f req/s p99 %-8v %5.1f µs CPU/req; %d of %d probe runs late; load %s",
						g, p, n, sub, m.ampel.rps(), m.ampel.p99().Round(100*time.Microsecond), us(m.ampel.cpuPerRequest(m.idleAmpel)),
						m.bare.rps(), m.bare.p99().Round(100*time.Microsecond), us(m.bare.cpuPerRequest(m.idleBare)), m.late, m.runs, m.load)
					rows = append(rows, m)
				}
			}
		}
		return nil
	}
	if err := measure(0); err != nil {
		return err
	}

	if o.subscribers == 0 {
		return finish(o, dir, amp, probes, before, loadFrom, rows, report{})
	}
	log.Printf("opening %d /events subscribers", o.subscribers)
	marker := fmt.Sprintf(`{"id":%q,"level":"s-down"`, flipSlug)
	subs, err := subscribe(amp.base, o.subscribers, marker)
	if err != nil {
		return err
	}
	defer subs.close()
	log.Printf("%d subscribers open; measuring again with them held open", o.subscribers)
	if err := measure(o.subscribers); err != nil {
		return err
	}
	flipAt := time.Now()
	tg.failing.Store(true)
	first, last, got := subs.wait(30 * time.Second)
	changeAt := time.Unix(0, tg.firstFail.Load())
	stillOpen := o.subscribers - int(subs.closed.Load())
	return finish(o, dir, amp, probes, before, loadFrom, rows, report{
		flipAt: flipAt, changeAt: changeAt, first: first, last: last, got: got, stillOpen: stillOpen,
	})
}

// finish stops the agent (when probes is one) and ampel, counts the probe
// runs over the load and prints the report r, filled in with the rest.
func finish(o options, dir string, amp, probes *child, before schedStats, loadFrom time.Time, rows []measurement, r report) error {
	loadTo := time.Now()
	after, err := scrapeSched(probes.base)
	if err != nil {
		return err
	}
	if r.rssAmpel, err = peakRSS(amp.cmd.Process.Pid); err != nil {
		return err
	}
	if probes != amp {
		if r.rssAgent, err = peakRSS(probes.cmd.Process.Pid); err != nil {
			return err
		}
		// It pushes what it holds as it stops, so the results counted
		// below are all in.
		probes.cmd.Process.Signal(syscall.SIGTERM)
		if err := probes.cmd.Wait(); err != nil {
			return fmt.Errorf("agent exit: %w (log in %s)", err, dir)
		}
	}
	amp.cmd.Process.Signal(syscall.SIGTERM)
	if err := amp.cmd.Wait(); err != nil {
		return fmt.Errorf("ampel exit: %w (log in %s)", err, dir)
	}
	missed, checks, err := missedRuns(dbPathOf(dir), loadFrom, loadTo, o.interval)
	if err != nil {
		return err
	}
	r.o, r.rows, r.before, r.after, r.missed, r.checks, r.window = o, rows, before, after, missed, checks, loadTo.Sub(loadFrom)
	r.print(os.Stdout)
	return nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
