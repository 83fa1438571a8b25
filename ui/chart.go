package ui

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// chartView is a response-time chart drawn as inline SVG: one point per
// hour, p50 and p95 lines, gaps where an hour has no data.
type chartView struct {
	Title    string
	Width    int
	Height   int
	P50, P95 []string // polyline point lists, one per unbroken run
	YMax     string   // label of the top gridline
	YMid     string
	From, To time.Time
	Empty    bool
	// Summary describes the chart for screen readers.
	Summary string
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
func latencyChart(title string, rows []store.LatencyHour, from, to time.Time) chartView {
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
	c := chartView{Title: title, Width: chartW, Height: chartH, From: from, To: to}
	top := 0.0
	for _, p := range points {
		top = math.Max(top, p.p95)
	}
	if top == 0 {
		c.Empty = true
		c.Summary = title + ": no response times recorded"
		return c
	}
	top = niceCeil(top * 1.15) // headroom above the slowest hour
	c.YMax, c.YMid = msLabel(top), msLabel(top/2)
	step := float64(chartW) / float64(max(n-1, 1))
	y := func(v float64) float64 { return chartBottom - v/top*(chartBottom-chartTop) }
	var p50, p95 []string
	var cur50, cur95 []string
	flush := func() {
		if len(cur50) > 0 {
			p50, p95 = append(p50, strings.Join(cur50, " ")), append(p95, strings.Join(cur95, " "))
		}
		cur50, cur95 = nil, nil
	}
	var p50s []float64
	for i, p := range points {
		if !p.observed {
			flush()
			continue
		}
		x := float64(i) * step
		v50 := p.p50sum / float64(p.count)
		p50s = append(p50s, v50)
		cur50 = append(cur50, xy(x, y(v50)))
		cur95 = append(cur95, xy(x, y(p.p95)))
	}
	flush()
	c.P50, c.P95 = p50, p95
	sort.Float64s(p50s)
	c.Summary = fmt.Sprintf("%s: typical response time %s, slowest hour's p95 %s", title, msLabel(p50s[len(p50s)/2]), msLabel(maxP95(points)))
	return c
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

func msLabel(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(math.Round(v/10)/100, 'f', -1, 64) + " s"
	}
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(math.Round(v), 'f', -1, 64) + " ms"
}
