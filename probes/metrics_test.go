package probes

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

const exposition = `# HELP up Whether the target is up.
# TYPE up gauge
up{job="api",instance="a"} 1
up{job="api",instance="b"} 0
up{job="db"} 1
# HELP http_requests_errors_ratio Share of failed requests.
# TYPE http_requests_errors_ratio gauge
http_requests_errors_ratio 0.07
# TYPE http_requests_total counter
http_requests_total{code="200"} 1027
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} 0.05
rpc_duration_seconds_sum 17.5
rpc_duration_seconds_count 350
`

func metricsCheck(t *testing.T, target, cond string) Prober {
	t.Helper()
	p, err := Metrics(&config.Check{Name: "m", Kind: "metrics", Target: target, Timeout: config.Duration(2 * time.Second), Metrics: &config.Metrics{Condition: cond}})
	if err != nil {
		t.Fatalf("%s: %v", cond, err)
	}
	return p
}

func TestMetricsConditions(t *testing.T) {
	srv := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			w.Write([]byte("up{job=\"api\" 1\n"))
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.Write([]byte(exposition))
	}))
	cases := []struct {
		cond, path string
		outcome    status.Level
		reason     string
	}{
		{`up{job="db"} == 1`, "/metrics", status.Up, ""},
		{`up{job="api"} == 1`, "/metrics", status.Down, "up = 0, want == 1"},
		{`up{instance="a"} == 1`, "/metrics", status.Up, ""},
		{`up{job!="api"} >= 1`, "/metrics", status.Up, ""},
		{"http_requests_errors_ratio < 0.05", "/metrics", status.Down, "http_requests_errors_ratio = 0.07, want < 0.05"},
		{"http_requests_errors_ratio < 0.1", "/metrics", status.Up, ""},
		{`http_requests_total{code="200"} > 1000`, "/metrics", status.Up, ""},
		{"rpc_duration_seconds_count >= 350", "/metrics", status.Up, ""},
		{"rpc_duration_seconds_sum < 10", "/metrics", status.Down, "rpc_duration_seconds_sum = 17.5, want < 10"},
		{"queue_depth < 5", "/metrics", status.Down, "metric not found"},
		{`up{job="nope"} == 1`, "/metrics", status.Down, "metric not found"},
		{"up == 1", "/broken", status.Down, "invalid metrics"},
		{"up == 1", "/missing-port-is-fine", status.Down, "up = 0, want == 1"},
	}
	for _, c := range cases {
		o := metricsCheck(t, srv.URL+c.path, c.cond)(context.Background(), Env{Zone: "eu"})
		if o.Outcome != c.outcome || o.Reason != c.reason {
			t.Errorf("%s on %s: %s %q (%s), want %s %q", c.cond, c.path, o.Outcome, o.Reason, o.Detail, c.outcome, c.reason)
		}
	}
}

func TestMetricsHTTPFailure(t *testing.T) {
	srv := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	if o := metricsCheck(t, srv.URL, "up == 1")(context.Background(), Env{}); o.Outcome != status.Down || o.Reason != "HTTP 500" {
		t.Fatalf("HTTP 500: %+v", o)
	}
}

func TestParseConditionErrors(t *testing.T) {
	bad := map[string]string{
		"":                       "metric name",
		"== 1":                   "metric name",
		"up":                     "comparison",
		"up = 1":                 "comparison",
		"up == x":                "number",
		"up == NaN":              "number",
		`up{job="a" == 1`:        "missing }",
		`up{job=a} == 1`:         "quoted",
		`up{job="a" x="b"} == 1`: "between matchers",
		`up{="a"} == 1`:          "label name",
	}
	for in, want := range bad {
		if _, err := parseCondition(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error about %s", in, err, want)
		}
	}
	c, err := parseCondition(` node_load1 { instance = "a\"b" , job!="x"}>=  2.5 `)
	if err != nil || c.String() != `node_load1{instance="a\"b",job!="x"} >= 2.5` {
		t.Fatalf("parse: %v %q", err, c.String())
	}
}

// FuzzParseCondition: no input panics, and what parses prints to a form
// that parses to the same condition.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"up == 1", `up{job="api",x!="y"} < 0.5`, "a:b_c >= -1e3", `x{a="}"} != 2`, "x<+Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCondition(s)
		if err != nil {
			return
		}
		again, err := parseCondition(c.String())
		if err != nil || again.String() != c.String() {
			t.Fatalf("%q printed as %q, which parses to %q (%v)", s, c.String(), again.String(), err)
		}
	})
}
