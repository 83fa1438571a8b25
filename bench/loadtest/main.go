// Command loadtest measures "ampel serve" under many HTTP checks against a
// loopback target, beside a floor measured in the same run: a bare client
// doing the same checks (same interval, same fresh connection per run,
// see floor.go) in a process of its own. It reports whether every check
// ran within one interval of start-up, how late runs start (scheduler
// lag, for the start-up and the steady state apart), skipped runs, CPU
// per 1,000 checks for Ampel (probe, state, store and metrics together,
// from /proc) and for the floor, their ratio, peak RSS and live heap per
// check, and bytes on disk per stored result.
//
//	go run ./bench/loadtest -checks 100000 -interval 60s -duration 3m -profile /tmp/prof
//
// It builds ampel, serves the target from this process on several loopback
// ports (so 1,000 new connections a second do not exhaust one port's
// 4-tuples), runs the floor for the duration, then writes a config into a
// temp dir and runs ampel as a child process for the duration, and reads
// its database afterwards. With -profile it saves a CPU profile of
// Ampel's steady state and its heap (in-use and allocations) into DIR.
package main

import (
	"bufio"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

type options struct {
	checks        int
	interval      time.Duration
	duration      time.Duration
	ports         int
	concurrent    int
	keep, noFloor bool
	perCheck      string
	profile       string
}

func main() {
	var o options
	flag.IntVar(&o.checks, "checks", 10000, "number of HTTP checks")
	flag.DurationVar(&o.interval, "interval", 10*time.Second, "check interval")
	flag.DurationVar(&o.duration, "duration", 3*time.Minute, "how long to run ampel (and the floor)")
	flag.IntVar(&o.ports, "ports", 8, "loopback ports the target listens on")
	flag.IntVar(&o.concurrent, "max-concurrent", 256, "scheduler.max_concurrent (and the floor's workers)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir")
	flag.BoolVar(&o.noFloor, "no-floor", false, "measure ampel only")
	flag.StringVar(&o.perCheck, "per-check", "", `metrics.per_check: "true", "false" or "" (Ampel's default)`)
	flag.StringVar(&o.profile, "profile", "", "save Ampel's CPU profile (30 s of steady state) and heap profile into this folder")
	floorTargets := flag.String("floor-child", "", "internal: run the floor against these comma-separated URLs")
	flag.Parse()
	if *floorTargets != "" {
		log.Fatal(floorChild(o.checks, o.interval, o.concurrent, strings.Split(*floorTargets, ",")))
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "ampel-loadtest-")
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
	targets, err := serveTarget(o.ports)
	if err != nil {
		return err
	}
	rep := &report{}
	if !o.noFloor {
		if rep.floor, err = runFloor(o, targets); err != nil {
			return err
		}
	}
	if err := runAmpel(o, dir, bin, targets, rep); err != nil {
		return err
	}
	rep.print(os.Stdout, o)
	return nil
}

// child is a started process whose first stdout line named its address.
type child struct {
	cmd  *exec.Cmd
	base string
}

func startChild(bin string, args []string, logFile string) (*child, error) {
	cmd := exec.Command(bin, args...)
	stderr, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not start (log in %s): %w", bin, logFile, err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		cmd.Process.Kill()
		return nil, fmt.Errorf("%s: no address in %q", bin, line)
	}
	return &child{cmd: cmd, base: "http://" + strings.Fields(line[i+7:])[0]}, nil
}

// steady waits out the first interval and a half (start-up and the first
// round), then calls mark at the start and the end of the measured rest.
func steady(o options, mark func(end bool)) {
	time.Sleep(o.interval + o.interval/2)
	mark(false)
	for left := o.duration - o.interval - o.interval/2; left > 0; left -= 30 * time.Second {
		time.Sleep(min(left, 30*time.Second))
	}
	mark(true)
}

func runFloor(o options, targets []string) (*floorReport, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-floor-child", strings.Join(targets, ","), "-checks", fmt.Sprint(o.checks),
		"-interval", o.interval.String(), "-max-concurrent", fmt.Sprint(o.concurrent)}
	c, err := startChild(self, args, filepath.Join(os.TempDir(), "ampel-loadtest-floor.log"))
	if err != nil {
		return nil, err
	}
	defer c.cmd.Wait()
	defer c.cmd.Process.Kill()
	log.Printf("floor running %d checks every %v for %v", o.checks, o.interval, o.duration)
	f := &floorReport{load: [2]string{loadAvg()}}
	var s1 floorStats
	var cpu1 float64
	steady(o, func(end bool) {
		s, err2 := readFloor(c.base)
		if err2 != nil {
			err = err2
		}
		if !end {
			s1, cpu1 = s, cpuSeconds(c.cmd.Process.Pid)
			return
		}
		f.cpu = cpuSeconds(c.cmd.Process.Pid) - cpu1
		f.runs = s.Runs - s1.Runs
		f.all = s
		f.rss = peakRSS(c.cmd.Process.Pid)
		f.load[1] = loadAvg()
	})
	return f, err
}

func runAmpel(o options, dir, bin string, targets []string, rep *report) error {
	pprofAddr, err := freePort()
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(cfgPath, []byte(config(o, targets, pprofAddr)), 0o600); err != nil {
		return err
	}
	launched := time.Now()
	c, err := startChild(bin, []string{"serve", "--config", cfgPath}, filepath.Join(dir, "ampel.log"))
	if err != nil {
		return err
	}
	defer c.cmd.Process.Kill()
	start := time.Now()
	rep.startup = start.Sub(launched)
	log.Printf("ampel serving %s with %d checks every %v; running %v", c.base, o.checks, o.interval, o.duration)
	rep.load[0] = loadAvg()
	var t1, t2 time.Time
	var cpu1 float64
	profiled := make(chan error, 1)
	var atSteady error
	steady(o, func(end bool) {
		if !end {
			// The lag so far is the start-up's: every check's first run
			// and first state change.
			var early scraped
			early, atSteady = scrape(c.base)
			rep.startLag = early.lag
			t1, cpu1 = time.Now(), cpuSeconds(c.cmd.Process.Pid)
			go func() { profiled <- cpuProfile(o, pprofAddr, time.Until(start.Add(o.duration))) }()
			return
		}
		t2, rep.cpu = time.Now(), cpuSeconds(c.cmd.Process.Pid)-cpu1
		rep.load[1] = loadAvg()
	})
	rep.rss = peakRSS(c.cmd.Process.Pid)
	if err := <-profiled; err != nil {
		return err
	}
	if atSteady != nil {
		return atSteady
	}
	if o.profile != "" {
		// ?gc=1 collects first: the in-use figures are live memory.
		if err := fetch("http://"+pprofAddr+"/debug/pprof/heap?gc=1", filepath.Join(o.profile, "heap.pprof")); err != nil {
			return err
		}
	} else if err := fetch("http://"+pprofAddr+"/debug/pprof/heap?gc=1", os.DevNull); err != nil {
		return err
	}
	if rep.metrics, err = scrape(c.base); err != nil {
		return err
	}
	rep.load[2] = loadAvg()
	stopping := time.Now()
	c.cmd.Process.Signal(syscall.SIGTERM)
	err = c.cmd.Wait()
	rep.stop = time.Since(stopping)
	if err != nil {
		// Reported, not fatal: what it committed is still measured (a
		// writer that fell behind is a finding, not a harness failure).
		logText, _ := os.ReadFile(filepath.Join(dir, "ampel.log"))
		rep.exitErr = fmt.Sprintf("%v; its log ends:\n%s", err, logText[max(0, len(logText)-600):])
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "data", "ampel.db")+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := analyse(db, rep, start, t1, t2, o); err != nil {
		return err
	}
	rep.dbBytes = dirSize(filepath.Join(dir, "data"))
	if rep.resultBytes, _, err = tableBytes(db, dir, "results"); err != nil {
		return err
	}
	if rep.rollupBytes, rep.rollupRows, err = tableBytes(db, dir, "rollups_daily"); err != nil {
		return err
	}
	return nil
}

// cpuProfile saves a CPU profile of up to 30 s, ending before the run does.
func cpuProfile(o options, addr string, left time.Duration) error {
	if o.profile == "" {
		return nil
	}
	if err := os.MkdirAll(o.profile, 0o755); err != nil {
		return err
	}
	secs := int(min(30*time.Second, left-5*time.Second).Seconds())
	if secs < 1 {
		return nil
	}
	return fetch(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), filepath.Join(o.profile, "cpu.pprof"))
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// serveTarget answers 200 "ok" on n loopback ports and returns their URLs.
func serveTarget(n int) ([]string, error) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	var urls []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		go (&http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
		urls = append(urls, "http://"+ln.Addr().String()+"/health")
	}
	return urls, nil
}

func config(o options, targets []string, pprofAddr string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[server]\nlisten = \"127.0.0.1:0\"\npprof_listen = %q\n\n[scheduler]\nmax_concurrent = %d\n\n[storage]\npath = \"data/ampel.db\"\n\n[[zones]]\nname = \"local\"\nkind = \"local\"\n", pprofAddr, o.concurrent)
	if o.perCheck != "" {
		fmt.Fprintf(&b, "\n[metrics]\nper_check = %s\n", o.perCheck)
	}
	for i := range o.checks {
		if i%100 == 0 {
			fmt.Fprintf(&b, "\n[[components]]\nslug = \"svc-%d\"\nname = \"Service %d\"\ngroup = \"Group %d\"\n", i/100, i/100, i/1000)
		}
		fmt.Fprintf(&b, "  [[components.checks]]\n  name = \"check-%d\"\n  kind = \"http\"\n  target = %q\n  interval = %q\n  timeout = \"5s\"\n",
			i, targets[i%len(targets)], o.interval.String())
	}
	return b.String()
}
