package probes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// maxExposition bounds how much of an exposition is read.
const maxExposition = 16 << 20

type metricsProbe struct {
	target string
	cond   condition
	client *http.Client
}

// Metrics prepares a check of kind "metrics": Target is the URL of a
// Prometheus text exposition; every series matching the condition's name
// and labels must meet it. No matching series is down: the metric the
// check relies on is gone.
func Metrics(chk *config.Check) (Prober, error) {
	cond, err := parseCondition(chk.Metrics.Condition)
	if err != nil {
		return nil, fmt.Errorf("metrics.condition: %w", err)
	}
	p := &metricsProbe{target: chk.Target, cond: cond, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	return p.run, nil
}

func (p *metricsProbe) run(ctx context.Context, env Env) Observation {
	target := p.target
	if env.Target != "" {
		target = env.Target
	}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return Observation{Outcome: status.Down, Reason: "invalid target", Detail: err.Error()}
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	req.Header.Set("User-Agent", userAgent(env.Zone))
	resp, err := p.client.Do(req)
	if r := localReason(err); r != "" {
		return notProbed(r, err, time.Since(start))
	}
	if err != nil {
		return Observation{Outcome: status.Down, Reason: requestReason(ctx, err), Detail: err.Error(), Duration: time.Since(start)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Observation{Outcome: status.Down, Reason: "HTTP " + strconv.Itoa(resp.StatusCode), Duration: time.Since(start)}
	}
	obs := p.judge(io.LimitReader(resp.Body, maxExposition))
	obs.Duration = time.Since(start)
	return obs
}

func requestReason(ctx context.Context, err error) string {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "connection failed"
}

// judge reads the exposition and applies the condition to every matching
// series. The observation's value is the one that decided: the first
// series that fails the condition, else the series nearest to failing it
// (closest to the threshold, so the highest under "<" and the lowest under
// ">"). A NaN or infinite value is judged but never recorded.
func (p *metricsProbe) judge(r io.Reader) Observation {
	dec := expfmt.NewDecoder(r, expfmt.NewFormat(expfmt.TypeTextPlain))
	found := 0
	var values []string
	var nearest, margin float64
	hasNearest := false
	for {
		var mf dto.MetricFamily
		err := dec.Decode(&mf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Observation{Outcome: status.Down, Reason: "invalid metrics", Detail: err.Error()}
		}
		for _, m := range mf.GetMetric() {
			v, ok := sampleValue(&mf, m, p.cond.name)
			if !ok || !p.cond.matches(labelsOf(m)) {
				continue
			}
			found++
			values = append(values, strconv.FormatFloat(v, 'g', 4, 64))
			if !p.cond.holds(v) {
				return withValue(Observation{Outcome: status.Down,
					Reason: fmt.Sprintf("%s = %s, want %s %s", p.cond.name, strconv.FormatFloat(v, 'g', 4, 64), p.cond.op, strconv.FormatFloat(p.cond.value, 'g', -1, 64)),
					Detail: "series " + seriesName(p.cond.name, m)}, v)
			}
			if d := math.Abs(v - p.cond.value); finite(v) && (!hasNearest || d < margin) {
				nearest, margin, hasNearest = v, d, true
			}
		}
	}
	if found == 0 {
		return Observation{Outcome: status.Down, Reason: "metric not found", Detail: "no series matches " + p.cond.String()}
	}
	obs := Observation{Outcome: status.Up, Detail: p.cond.name + " = " + strings.Join(values, ", ")}
	if hasNearest {
		obs.Value, obs.HasValue = nearest, true
	}
	return obs
}

// withValue records v in o when it is finite: results travel as JSON,
// which has no NaN or infinity.
func withValue(o Observation, v float64) Observation {
	if finite(v) {
		o.Value, o.HasValue = v, true
	}
	return o
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// sampleValue is the value of a series for name: the family's own value,
// or a summary's or histogram's _sum and _count.
func sampleValue(mf *dto.MetricFamily, m *dto.Metric, name string) (float64, bool) {
	fam := mf.GetName()
	switch {
	case fam == name:
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	case name == fam+"_sum" && m.Summary != nil:
		return m.Summary.GetSampleSum(), true
	case name == fam+"_count" && m.Summary != nil:
		return float64(m.Summary.GetSampleCount()), true
	case name == fam+"_sum" && m.Histogram != nil:
		return m.Histogram.GetSampleSum(), true
	case name == fam+"_count" && m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount()), true
	}
	return 0, false
}

func labelsOf(m *dto.Metric) map[string]string {
	out := make(map[string]string, len(m.GetLabel()))
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func seriesName(name string, m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetName()+"="+strconv.Quote(l.GetValue()))
	}
	if len(parts) == 0 {
		return name
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}
