// Command loadtest measures "ampel serve" under many HTTP checks against a
// loopback target: whether every check ran within one interval of start-up,
// how late runs start (scheduler lag), CPU seconds per 1,000 checks (probe
// and store together, from /proc) and peak RSS, and bytes on disk per
// stored result.
//
//	go run ./bench/loadtest -checks 10000 -interval 10s -duration 3m
//
// It builds ampel, serves the target from this process on several loopback
// ports (so 1,000 new connections a second do not exhaust one port's
// 4-tuples), writes a config into a temp dir, runs ampel as a child process
// and reads its database afterwards.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

func main() {
	checks := flag.Int("checks", 10000, "number of HTTP checks")
	interval := flag.Duration("interval", 10*time.Second, "check interval")
	duration := flag.Duration("duration", 3*time.Minute, "how long to run ampel")
	ports := flag.Int("ports", 8, "loopback ports the target listens on")
	concurrent := flag.Int("max-concurrent", 256, "scheduler.max_concurrent")
	keep := flag.Bool("keep", false, "keep the temp dir")
	flag.Parse()
	if err := run(*checks, *interval, *duration, *ports, *concurrent, *keep); err != nil {
		log.Fatal(err)
	}
}

func run(checks int, interval, duration time.Duration, ports, concurrent int, keep bool) error {
	dir, err := os.MkdirTemp("", "ampel-loadtest-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	bin := filepath.Join(dir, "ampel")
	log.Printf("building ampel into %s", bin)
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/ampel").CombinedOutput(); err != nil {
		return fmt.Errorf("build ampel: %v\n%s", err, out)
	}
	targets, err := serveTarget(ports)
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(cfgPath, []byte(config(checks, interval, concurrent, targets)), 0o600); err != nil {
		return err
	}

	cmd := exec.Command(bin, "serve", "--config", cfgPath)
	stderr, err := os.Create(filepath.Join(dir, "ampel.log"))
	if err != nil {
		return err
	}
	defer stderr.Close()
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("ampel did not start (log in %s): %w", dir, err)
	}
	start := time.Now()
	base := "http://" + strings.Fields(line[strings.Index(line, "http://")+7:])[0]
	log.Printf("ampel serving %s with %d checks every %v; running %v", base, checks, interval, duration)

	// CPU is measured over the steady state: from the end of the first
	// interval (start-up and the first round done) to the end.
	time.Sleep(interval + interval/2)
	t1, cpu1 := time.Now(), cpuSeconds(cmd.Process.Pid)
	for left := duration - interval - interval/2; left > 0; left -= 30 * time.Second {
		time.Sleep(min(left, 30*time.Second))
		log.Printf("running: %v elapsed, cpu %.1fs", time.Since(start).Round(time.Second), cpuSeconds(cmd.Process.Pid))
	}
	t2, cpu2 := time.Now(), cpuSeconds(cmd.Process.Pid)
	rss := peakRSS(cmd.Process.Pid)
	lag, err := scrapeLag(base)
	if err != nil {
		return err
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("ampel exit: %w (log in %s)", err, stderr.Name())
	}

	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "data", "ampel.db")+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := analyse(db, start, t1, t2, interval, checks)
	if err != nil {
		return err
	}
	rep.cpu = cpu2 - cpu1
	rep.rss = rss
	rep.lag = lag
	rep.dbBytes = dirSize(filepath.Join(dir, "data"))
	rep.print(os.Stdout, checks, interval)
	return nil
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

func config(checks int, interval time.Duration, concurrent int, targets []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[server]\nlisten = \"127.0.0.1:0\"\n\n[scheduler]\nmax_concurrent = %d\n\n[storage]\npath = \"data/ampel.db\"\n\n[[zones]]\nname = \"local\"\nkind = \"local\"\n", concurrent)
	for i := range checks {
		if i%100 == 0 {
			fmt.Fprintf(&b, "\n[[components]]\nslug = \"svc-%d\"\nname = \"Service %d\"\ngroup = \"Group %d\"\n", i/100, i/100, i/1000)
		}
		fmt.Fprintf(&b, "  [[components.checks]]\n  name = \"check-%d\"\n  kind = \"http\"\n  target = %q\n  interval = %q\n  timeout = \"5s\"\n",
			i, targets[i%len(targets)], interval.String())
	}
	return b.String()
}

// cpuSeconds reads user+system CPU time of a process from /proc.
func cpuSeconds(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return math.NaN()
	}
	// Fields after the parenthesised command name; utime and stime are
	// fields 14 and 15 of the whole line.
	rest := string(data[strings.LastIndexByte(string(data), ')')+2:])
	f := strings.Fields(rest)
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ is 100 on Linux
}

// peakRSS reads VmHWM (peak resident set) in bytes.
func peakRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return -1
}

// lagStats is the scheduler lag histogram of the whole run.
type lagStats struct {
	count      uint64
	buckets    []*dto.Bucket
	under100ms uint64
}

func scrapeLag(base string) (lagStats, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return lagStats{}, err
	}
	defer resp.Body.Close()
	dec := expfmt.NewDecoder(resp.Body, expfmt.NewFormat(expfmt.TypeTextPlain))
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			if err == io.EOF {
				return lagStats{}, fmt.Errorf("no ampel_scheduler_lag_seconds in /metrics")
			}
			return lagStats{}, err
		}
		if mf.GetName() != "ampel_scheduler_lag_seconds" {
			continue
		}
		h := mf.GetMetric()[0].GetHistogram()
		s := lagStats{count: h.GetSampleCount(), buckets: h.GetBucket()}
		for _, b := range s.buckets {
			if b.GetUpperBound() == 0.1 {
				s.under100ms = b.GetCumulativeCount()
			}
		}
		return s, nil
	}
}

// p99 is the upper bound of the bucket that holds the 99th percentile.
func (s lagStats) p99() string {
	want := uint64(math.Ceil(float64(s.count) * 0.99))
	for _, b := range s.buckets {
		if b.GetCumulativeCount() >= want {
			return fmt.Sprintf("<= %gs", b.GetUpperBound())
		}
	}
	return "> largest bucket"
}

type report struct {
	ranChecks      int
	firstRunLatest time.Duration
	late           int // checks whose first run came later than one interval
	steadyResults  int64
	totalResults   int64
	minRuns        int64
	cpu            float64
	rss            int64
	lag            lagStats
	dbBytes        int64
}

func analyse(db *sql.DB, start, t1, t2 time.Time, interval time.Duration, checks int) (*report, error) {
	ctx := context.Background()
	rep := &report{}
	rows, err := db.QueryContext(ctx, `SELECT check_id, MIN(started_at_ms), COUNT(*) FROM results GROUP BY check_id`)
	if err != nil {
		return nil, fmt.Errorf("first runs: %w", err)
	}
	defer rows.Close()
	rep.minRuns = math.MaxInt64
	for rows.Next() {
		var id, first, n int64
		if err := rows.Scan(&id, &first, &n); err != nil {
			return nil, err
		}
		rep.ranChecks++
		rep.totalResults += n
		rep.minRuns = min(rep.minRuns, n)
		d := time.UnixMilli(first).Sub(start)
		rep.firstRunLatest = max(rep.firstRunLatest, d)
		if d > interval {
			rep.late++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM results WHERE started_at_ms >= ? AND started_at_ms < ?`,
		t1.UnixMilli(), t2.UnixMilli()).Scan(&rep.steadyResults)
	if err != nil {
		return nil, fmt.Errorf("steady results: %w", err)
	}
	return rep, nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

func (r *report) print(w io.Writer, checks int, interval time.Duration) {
	fmt.Fprintf(w, "checks configured:            %d every %v\n", checks, interval)
	fmt.Fprintf(w, "checks that ran:              %d (latest first run %.1fs after start; %d later than one interval)\n",
		r.ranChecks, r.firstRunLatest.Seconds(), r.late)
	fmt.Fprintf(w, "results stored:               %d (fewest runs of one check: %d)\n", r.totalResults, r.minRuns)
	fmt.Fprintf(w, "scheduler lag:                %d runs, %.3f%% started within 100ms, p99 %s\n",
		r.lag.count, 100*float64(r.lag.under100ms)/float64(max(r.lag.count, 1)), r.lag.p99())
	perK := r.cpu / (float64(r.steadyResults) / 1000)
	fmt.Fprintf(w, "CPU (steady state):           %.1fs for %d checks = %.3f CPU-s per 1,000 checks\n", r.cpu, r.steadyResults, perK)
	fmt.Fprintf(w, "peak RSS:                     %.1f MiB\n", float64(r.rss)/(1<<20))
	fmt.Fprintf(w, "database on disk:             %.1f MiB = %.0f bytes per stored result\n",
		float64(r.dbBytes)/(1<<20), float64(r.dbBytes)/float64(max(r.totalResults, 1)))
}
