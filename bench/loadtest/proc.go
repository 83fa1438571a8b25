package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

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

// loadAvg is the machine's 1-minute load average: the machine may be
// shared, and every figure is printed beside it.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(data))[0]
}

// lagStats is the scheduler lag histogram of the whole run.
type lagStats struct {
	count      uint64
	buckets    []*dto.Bucket
	under100ms uint64
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

// since is the histogram of the runs after earlier, a scrape of the same
// process taken before this one.
func (s lagStats) since(earlier lagStats) lagStats {
	d := lagStats{count: s.count - earlier.count, under100ms: s.under100ms - earlier.under100ms}
	for i, b := range s.buckets {
		n := b.GetCumulativeCount()
		if i < len(earlier.buckets) {
			n -= earlier.buckets[i].GetCumulativeCount()
		}
		d.buckets = append(d.buckets, &dto.Bucket{UpperBound: b.UpperBound, CumulativeCount: &n})
	}
	return d
}

// line describes the histogram in a report line.
func (s lagStats) line() string {
	return fmt.Sprintf("%d runs, %.3f%% started within 100ms, p99 %s", s.count, 100*float64(s.under100ms)/float64(max(s.count, 1)), s.p99())
}

// scraped is what the harness reads from Ampel's /metrics.
type scraped struct {
	lag       lagStats
	skipped   float64
	heapAlloc float64 // go_memstats_heap_alloc_bytes
	series    int     // samples in the whole exposition
	bytes     int     // size of the exposition
}

func scrape(base string) (scraped, error) {
	var s scraped
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return s, err
	}
	s.bytes = len(body)
	dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.NewFormat(expfmt.TypeTextPlain))
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err == io.EOF {
			break
		} else if err != nil {
			return s, err
		}
		s.series += len(mf.GetMetric())
		switch mf.GetName() {
		case "ampel_scheduler_lag_seconds":
			h := mf.GetMetric()[0].GetHistogram()
			s.lag = lagStats{count: h.GetSampleCount(), buckets: h.GetBucket()}
			for _, b := range s.lag.buckets {
				if b.GetUpperBound() == 0.1 {
					s.lag.under100ms = b.GetCumulativeCount()
				}
			}
		case "ampel_scheduler_skipped_total":
			s.skipped = mf.GetMetric()[0].GetCounter().GetValue()
		case "go_memstats_heap_alloc_bytes":
			s.heapAlloc = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	if s.lag.count == 0 {
		return s, fmt.Errorf("no ampel_scheduler_lag_seconds in /metrics")
	}
	return s, nil
}

// fetch saves url's body into file.
func fetch(url, file string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}
