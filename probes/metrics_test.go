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

// TestMetricsValue: the observation carries the value that decided the
// outcome, so the component page can chart it.
func TestMetricsValue(t *testing.T) {
	srv := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(exposition + "# TYPE queue_depth gauge\nqueue_depth{q=\"a\"} 3\nqueue_depth{q=\"b\"} 9\nqueue_depth{q=\"c\"} 5\n# TYPE odd gauge\nodd NaN\nodd{x=\"1\"} +Inf\n"))
	}))
	cases := []struct {
		cond  string
		value float64
		has   bool
	}{
		{"http_requests_errors_ratio < 0.1", 0.07, true},
		{"http_requests_errors_ratio < 0.05", 0.07, true}, // failing
		{"queue_depth < 10", 9, true},                     // all hold: the highest, nearest the bound
		{"queue_depth > 1", 3, true},                      // all hold: the lowest
		{"queue_depth < 4", 9, true},                      // the first failing series
		{"rpc_duration_seconds_count >= 350", 350, true},
		{"odd != 1", 0, false},          // NaN and +Inf are judged, never recorded
		{"queue_depth < +Inf", 3, true}, // an infinite bound: the first series
		{"absent_metric == 1", 0, false},
	}
	for _, c := range cases {
		o := metricsCheck(t, srv.URL, c.cond)(context.Background(), Env{})
		if o.HasValue != c.has || o.Value != c.value {
			t.Errorf("%s: value %v (set %v), want %v (set %v); %+v", c.cond, o.Value, o.HasValue, c.value, c.has, o)
		}
	}
}

// TestMetricsPodsRecordEachValue: each instance of a pod set is scraped on
// its own and its result carries its own value.
func TestMetricsPodsRecordEachValue(t *testing.T) {
	var addrs []string
	for _, ratio := range []string{"0.01", "0.2"} {
		srv := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte("errors_ratio " + ratio + "\n"))
		}))
		addrs = append(addrs, strings.TrimPrefix(srv.URL, "http://"))
	}
	chk := &config.Check{Name: "m", Kind: "metrics", Target: "http://api.prod.svc/metrics", Timeout: config.Duration(2 * time.Second),
		Metrics: &config.Metrics{Condition: "errors_ratio < 0.05"}, Pods: &config.Pods{Static: addrs}}
	p, err := Prepare(chk)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if o := p(context.Background(), Env{Zone: "eu", Record: rec.record}); o.Reason != "1/2 pods healthy" {
		t.Fatalf("set: %+v", o)
	}
	got := map[string]float64{}
	for _, r := range rec.results {
		if !r.HasValue {
			t.Fatalf("instance result without a value: %+v", r)
		}
		got[r.Instance] = r.Value
	}
	if len(got) != 2 || got[addrs[0]] != 0.01 || got[addrs[1]] != 0.2 {
		t.Fatalf("per-instance values %v", got)
	}
}
