package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// loadWrk runs wrk (Debian package "wrk") against base+path with conns
// connections for d, asking for gzip as a browser does. wrk is a C load
// generator, so it takes less of the shared CPU per request than the Go
// generator and caps the ceiling less. Latencies are wrk's own 99th
// percentile, kept as the only sample.
func loadWrk(base, path string, conns int, d time.Duration) (loadResult, error) {
	threads := 2
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.Command("wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", strconv.Itoa(secs)+"s",
		"--latency", "--timeout", "30s", "-H", "Accept-Encoding: gzip", base+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	return parseWrk(string(out), time.Duration(secs)*time.Second)
}

// parseWrk reads wrk's report: total requests, the 99th percentile of
// --latency, non-2xx/3xx responses and socket errors.
func parseWrk(out string, d time.Duration) (loadResult, error) {
	r := loadResult{elapsed: d}
	found := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 2 && f[0] == "99%":
			lat, err := time.ParseDuration(f[1])
			if err != nil {
				return r, fmt.Errorf("wrk p99 %q: %w", f[1], err)
			}
			r.latencies = []time.Duration{lat}
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.Atoi(f[0])
			if err != nil {
				return r, fmt.Errorf("wrk requests %q: %w", f[0], err)
			}
			r.requests, found = n, true
			if el, err := time.ParseDuration(strings.TrimSuffix(f[3], ",")); err == nil && el > 0 {
				r.elapsed = el
			}
		case len(f) >= 5 && f[0] == "Non-2xx":
			n, _ := strconv.Atoi(f[len(f)-1])
			r.failed += n
			r.requests -= n
		case len(f) >= 2 && f[0] == "Socket" && f[1] == "errors:":
			for i := 2; i+1 < len(f); i += 2 {
				n, _ := strconv.Atoi(strings.TrimSuffix(f[i+1], ","))
				r.failed += n
			}
		}
	}
	if !found {
		return r, fmt.Errorf("no request count in wrk's output:\n%s", out)
	}
	return r, nil
}
