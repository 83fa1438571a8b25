package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/demo"
	"github.com/ampelstatus/ampel/store"
)

// linesWith is a writer that hands over, once, the first line containing
// each of its markers.
type linesWith struct {
	syncBuffer
	markers map[string]chan string
}

func newLinesWith(markers ...string) *linesWith {
	l := &linesWith{markers: map[string]chan string{}}
	for _, m := range markers {
		l.markers[m] = make(chan string, 1)
	}
	return l
}

func (l *linesWith) Write(p []byte) (int, error) {
	n, err := l.syncBuffer.Write(p)
	for _, line := range strings.Split(l.String(), "\n") {
		for m, ch := range l.markers {
			if strings.Contains(line, m) {
				select {
				case ch <- line:
				default:
				}
				delete(l.markers, m) // Write calls are serialised by run's single writer goroutine
			}
		}
	}
	return n, err
}

// metricsText reads /metrics, or "" if it cannot.
func metricsText(base string) string {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// TestDemo runs "ampel demo" on a free port: it backfills a year, serves
// the simulated fleet through the live probes, and removes its data when
// it stops.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := newLinesWith("Ampel is serving", "Demo data in "), &syncBuffer{}
	serving, dataLine := stdout.markers["Ampel is serving"], stdout.markers["Demo data in "]
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, []string{"demo", "--listen", "127.0.0.1:0"}, nil, stdout, stderr) }()
	var base string
	select {
	case line := <-serving:
		base = baseURL(t, line)
	case code := <-exit:
		t.Fatalf("demo exited %d before serving: %s%s", code, stdout.String(), stderr.String())
	}
	dir := strings.Fields(strings.TrimPrefix(<-dataLine, "Demo data in "))[0]

	// Every check (11) in every zone has been probed live at least once.
	want := 11 * len(demo.Zones)
	var metrics string
	eventually(t, 12*time.Second, "a live result of every check in every zone", func() bool {
		metrics = metricsText(base)
		return strings.Count(metrics, "\nampel_check_up{") >= want
	})
	// The live probes see the failing worker and the healthy API.
	for _, series := range []string{
		`ampel_check_up{check="workers-3",zone="us-east"} 0`,
		`ampel_check_up{check="api-health",zone="ap-southeast"} 1`,
	} {
		if !strings.Contains(metrics, series) {
			t.Errorf("/metrics has no %s", series)
		}
	}

	// The page follows the live probes: a component moves once its
	// thresholds are met, which on a loaded machine can take a few probe
	// rounds after the first live result.
	wantStatus := map[string]string{
		"API": "operational", "Search": "degraded_performance", "Job workers": "degraded_performance",
		"Authentication": "", "Dashboard": "", "Webhooks": "", "Email delivery": "", "CDN": "",
	}
	var mismatch []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		mismatch = componentMismatches(t, base, wantStatus)
		if len(mismatch) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, m := range mismatch {
		t.Error(m)
	}

	// The home page shows the open incident (its overlay loaded at start)
	// and the announced window; the history lists the past outages.
	for path, texts := range map[string][]string{
		"/":        {"Background jobs running slowly", "Job queue database upgrade"},
		"/history": {"CDN assets failing in Asia-Pacific", `href="/incidents/`},
	} {
		page := pageText(t, base+path)
		for _, text := range texts {
			if !strings.Contains(page, text) {
				t.Errorf("%s has no %q", path, text)
			}
		}
	}

	st, err := store.Open(ctx, filepath.Join(dir, "ampel.db"))
	if err != nil {
		t.Fatal(err)
	}
	days, err := st.ComponentDays(ctx, time.UTC, time.Now(), 90)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"api", "auth", "dashboard", "search", "webhooks", "workers", "mail", "cdn"} {
		if n := len(days[slug]); n < 89 {
			t.Errorf("%s has %d days of rollups, want 90", slug, n)
		}
	}

	cancel()
	if code := <-exit; code != 0 {
		t.Fatalf("demo exited %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("data folder %s left behind: %v", dir, err)
	}
}

// componentMismatches reads /api/v2/components.json and describes each
// component whose status differs from want (an empty want: present, any
// status).
func componentMismatches(t *testing.T, base string, want map[string]string) []string {
	t.Helper()
	resp, err := http.Get(base + "/api/v2/components.json")
	if err != nil {
		t.Fatal(err)
	}
	var body componentsJSON
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, c := range body.Components {
		if !c.Group {
			status[c.Name] = c.Status
		}
	}
	var out []string
	for name, w := range want {
		got, ok := status[name]
		if !ok {
			out = append(out, fmt.Sprintf("components.json has no %q: %v", name, status))
		} else if w != "" && got != w {
			out = append(out, fmt.Sprintf("%s is %q, want %q", name, got, w))
		}
	}
	return out
}

// pageText fetches a page that must answer 200.
func pageText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", url, resp.StatusCode, err)
	}
	return string(b)
}
