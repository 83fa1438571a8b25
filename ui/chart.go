package ui

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// chartView is a chart of hourly figures drawn as inline SVG: one point
// per hour, a few lines, gaps where an hour has no data.
type chartView struct {
	Title  string
	Width  int
	Height int
	// Lines are drawn in order (the last on top); Keys is the legend.
	Lines    []chartLine
	Keys     []chartLine
	YMax     string // label of the top gridline
	YMid     string
	From, To time.Time
	Empty    bool
	// EmptyText says why there is nothing to draw.
	EmptyText string
	// Summary describes the chart for screen readers.
	Summary string
}

// chartLine is one line of a chart: its CSS class, its legend text, and
// its polyline point lists, one per unbroken run of hours.
type chartLine struct {
	Class, Text string
	Points      []string
}

const (
	chartW, chartH = 600, 160
	chartTop       = 10
	chartBottom    = 150
)

// hourPoint is one hour's latency across zones and checks: p50 averaged by
// result count, p95 of the slowest zone.
type hourPoint struct {
	count    int64
	p50sum   float64 // sum of p50·count, in ms
	p95      float64
	observed bool
}

// latencyChart folds hourly rows of a component's checks into a chart of
// the hours in [from, to).
func latencyChart(l loc, title string, rows []store.LatencyHour, from, to time.Time) chartView {
	n := int(to.Sub(from) / time.Hour)
	points := make([]hourPoint, n)
	for _, r := range rows {
		i := int(r.Hour.Sub(from) / time.Hour)
		if i < 0 || i >= n || r.Count == 0 {
			continue
		}
		p := &points[i]
		p.observed = true
		p.count += r.Count
		p.p50sum += ms(r.P50) * float64(r.Count)
		p.p95 = math.Max(p.p95, ms(r.P95))
	}
	c := chartView{Title: title, Width: chartW, Height: chartH, From: from, To: to,
		Keys:      []chartLine{{Class: "p50", Text: "p50"}, {Class: "p95", Text: "p95"}},
		EmptyText: l.T("chart.latency_empty")}
	p50, p95 := gaps(n), gaps(n)
	var p50s []float64
	for i, p := range points {
		if p.observed {
			p50[i], p95[i] = p.p50sum/float64(p.count), p.p95
			p50s = append(p50s, p50[i])
		}
	}
	top := maxP95(points)
	if top == 0 {
		c.Empty = true
		c.Summary = l.T("chart.latency_none", "Title", title)
		return c
	}
	hi := niceCeil(top * 1.15) // headroom above the slowest hour
	c.YMax, c.YMid = msLabel(l, hi), msLabel(l, hi/2)
	c.Lines = []chartLine{{Class: "p95", Points: polylines(p95, 0, hi)}, {Class: "p50", Points: polylines(p50, 0, hi)}}
	sort.Float64s(p50s)
	c.Summary = l.T("chart.latency_summary", "Title", title, "Typical", msLabel(l, p50s[len(p50s)/2]), "Slowest", msLabel(l, top))
	return c
}

// gaps returns n hours without data (NaN).
func gaps(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

// polylines draws one value per hour, NaN for none, scaled so lo is on
// the axis and hi on the top gridline; each unbroken run is one polyline.
func polylines(vs []float64, lo, hi float64) []string {
	step := float64(chartW) / float64(max(len(vs)-1, 1))
	y := func(v float64) float64 { return chartBottom - (v-lo)/(hi-lo)*(chartBottom-chartTop) }
	var out, cur []string
	for i, v := range vs {
		if math.IsNaN(v) {
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, " "))
			}
			cur = nil
			continue
		}
		cur = append(cur, xy(float64(i)*step, y(v)))
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, " "))
	}
	return out
}

func maxP95(ps []hourPoint) float64 {
	m := 0.0
	for _, p := range ps {
		m = math.Max(m, p.p95)
	}
	return m
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func xy(x, y float64) string {
	return strconv.FormatFloat(x, 'f', 1, 64) + "," + strconv.FormatFloat(y, 'f', 1, 64)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func msLabel(l loc, v float64) string {
	if v >= 1000 {
		return l.decimal(strconv.FormatFloat(math.Round(v/10)/100, 'f', -1, 64)) + " s"
	}
	if v < 10 {
		return l.decimal(strconv.FormatFloat(v, 'f', 1, 64)) + " ms"
	}
	return l.decimal(strconv.FormatFloat(math.Round(v), 'f', -1, 64)) + " ms"
}
