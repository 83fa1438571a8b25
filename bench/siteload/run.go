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
	path          string
	conns         int
	ampel, bare   loadResult
	sseSubscribed int
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
	bin := filepath.Join(dir, "ampel")
	log.Printf("building ampel into %s", bin)
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/ampel").CombinedOutput(); err != nil {
		return fmt.Errorf("build ampel: %v\n%s", err, out)
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
	if err := os.WriteFile(cfgPath, []byte(config(o.checks, o.perComponent, o.interval, tg)), 0o600); err != nil {
		return err
	}
	amp, err := startChild(bin, []string{"serve", "--config", cfgPath}, filepath.Join(dir, "ampel.log"))
	if err != nil {
		return err
	}
	defer amp.cmd.Process.Kill()
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

	before, err := scrapeSched(amp.base)
	if err != nil {
		return err
	}
	loadFrom := time.Now()
	var rows []measurement
	measure := func(sub int) error {
		for _, p := range paths {
			for _, n := range conns {
				m := measurement{path: p, conns: n, sseSubscribed: sub}
				// Alternate short rounds, so a neighbour's burst of CPU
				// falls on both servers alike.
				for range o.rounds {
					r, err := load(amp.base, p, n, o.each/time.Duration(o.rounds))
					if err != nil {
						return fmt.Errorf("ampel %s at %d: %w", p, n, err)
					}
					m.ampel.add(r)
					if r, err = load(bare.base, p, n, o.each/time.Duration(o.rounds)); err != nil {
						return fmt.Errorf("ceiling %s at %d: %w", p, n, err)
					}
					m.bare.add(r)
				}
				log.Printf("%-22s %5d conns, %5d subscribers: ampel %8.0f req/s p99 %-8v  ceiling %8.0f req/s p99 %v",
					p, n, sub, m.ampel.rps(), m.ampel.p99().Round(100*time.Microsecond), m.bare.rps(), m.bare.p99().Round(100*time.Microsecond))
				rows = append(rows, m)
			}
		}
		return nil
	}
	if err := measure(0); err != nil {
		return err
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
	loadTo := time.Now()
	after, err := scrapeSched(amp.base)
	if err != nil {
		return err
	}
	stillOpen := o.subscribers - int(subs.closed.Load())

	amp.cmd.Process.Signal(syscall.SIGTERM)
	if err := amp.cmd.Wait(); err != nil {
		return fmt.Errorf("ampel exit: %w (log in %s)", err, dir)
	}
	missed, checks, err := missedRuns(dbPathOf(dir), loadFrom, loadTo, o.interval)
	if err != nil {
		return err
	}
	r := report{
		o: o, rows: rows, flipAt: flipAt, changeAt: changeAt, first: first, last: last, got: got, stillOpen: stillOpen,
		before: before, after: after, missed: missed, checks: checks, window: loadTo.Sub(loadFrom),
	}
	r.print(os.Stdout)
	return nil
}
