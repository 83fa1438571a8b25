package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestCounterFunc(t *testing.T) {
	m := New()
	n := 3.0
	m.Counter("ampel_test_failures_total", "test", func() float64 { return n })
	want := `
# HELP ampel_test_failures_total test
# TYPE ampel_test_failures_total counter
ampel_test_failures_total 3
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "ampel_test_failures_total"); err != nil {
		t.Error(err)
	}
}
