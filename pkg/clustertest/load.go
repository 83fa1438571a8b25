package clustertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ReadPaths are the public pages the readers cycle through: the page,
// its JSON, a badge and a feed.
var ReadPaths = []string{"/", "/api/v2/summary.json", "/api/v2/components.json", "/api/v2/status.json", "/feed.atom"}

// Load is a set of visitors reading the public pages constantly through
// one address (HAProxy's), counting every request that failed, and, once
// told to, every component the JSON shows other than operational.
type Load struct {
	base   string
	client *http.Client
	stop   chan struct{}
	wg     sync.WaitGroup

	requests, failed atomic.Int64
	notOK            atomic.Int64 // component reads other than operational, while watched
	watch            atomic.Bool  // components must be operational

	mu       sync.Mutex
	failures []string // the first few failures, for the report. Guarded by mu.
	nonOK    []string // components seen not operational while watched. Guarded by mu.
}

// LoadReport is what the readers saw.
type LoadReport struct {
	Requests int64
	Failed   int64
	// Failures are the first failures (time, path, error or status).
	Failures []string
	// NotOperational counts the component reads other than operational
	// while watched: state changes the public saw. NotOperationalSeen
	// lists the first few.
	NotOperational     int64
	NotOperationalSeen []string
}

// StartLoad starts readers goroutines reading ReadPaths from base.
func StartLoad(base string, readers int) *Load {
	l := &Load{base: base, stop: make(chan struct{}),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: readers}}}
	for i := range readers {
		l.wg.Add(1)
		go l.read(i)
	}
	return l
}

// Watch makes components.json and summary.json reads count every
// component that is not operational: call it once the cluster settled.
func (l *Load) Watch() { l.watch.Store(true) }

// Requests is the number of requests so far.
func (l *Load) Requests() int64 { return l.requests.Load() }

// Stop ends the readers and reports.
func (l *Load) Stop() LoadReport {
	close(l.stop)
	l.wg.Wait()
	l.client.CloseIdleConnections()
	l.mu.Lock()
	defer l.mu.Unlock()
	return LoadReport{Requests: l.requests.Load(), Failed: l.failed.Load(),
		Failures:       append([]string(nil), l.failures...),
		NotOperational: l.notOK.Load(), NotOperationalSeen: append([]string(nil), l.nonOK...)}
}

func (l *Load) read(i int) {
	defer l.wg.Done()
	for n := i; ; n++ {
		select {
		case <-l.stop:
			return
		default:
		}
		path := ReadPaths[n%len(ReadPaths)]
		l.requests.Add(1)
		body, err := l.get(path)
		if err != nil {
			l.failed.Add(1)
			l.note(&l.failures, fmt.Sprintf("%s GET %s: %v", time.Now().UTC().Format("15:04:05.000"), path, err))
			continue
		}
		if l.watch.Load() && (path == "/api/v2/components.json" || path == "/api/v2/summary.json") {
			l.checkComponents(path, body)
		}
	}
}

func (l *Load) get(path string) ([]byte, error) {
	resp, err := l.client.Get(l.base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s", resp.Status)
	}
	return body, nil
}

func (l *Load) checkComponents(path string, body []byte) {
	var doc struct {
		Components []struct {
			Name        string `json:"name"`
			Status      string `json:"status"`
			AmpelStatus string `json:"ampel_status"`
			Group       bool   `json:"group"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		l.failed.Add(1)
		l.note(&l.failures, fmt.Sprintf("%s: %v", path, err))
		return
	}
	for _, c := range doc.Components {
		if c.Status != "operational" {
			l.notOK.Add(1)
			l.note(&l.nonOK, fmt.Sprintf("%s %s: %s is %s (%s)", time.Now().UTC().Format("15:04:05.000"), path, c.Name, c.Status, c.AmpelStatus))
		}
	}
}

// note keeps the first 20 entries of a list, counting the rest.
func (l *Load) note(list *[]string, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(*list) < 20 {
		*list = append(*list, s)
	}
}
