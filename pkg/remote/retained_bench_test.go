package remote

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ampelstatus/ampel/pkg/config"
)

// BenchmarkReceiverMemory is what a receiver keeps for a remote zone of
// 100,000 HTTP checks: the encoded check list agents pull, and which
// check runs in which zone.
//
//	go test ./pkg/remote -run '^$' -bench BenchmarkReceiverMemory -benchtime 1x
func BenchmarkReceiverMemory(b *testing.B) {
	var toml strings.Builder
	toml.WriteString("[site]\ntitle = \"Fleet\"\n[storage]\npath = \"ampel.db\"\n[[zones]]\nname = \"near\"\nkind = \"remote\"\n")
	for i := range 100_000 {
		if i%100 == 0 {
			fmt.Fprintf(&toml, "\n[[components]]\nslug = \"svc-%d\"\nname = \"Service %d\"\n", i/100, i/100)
		}
		fmt.Fprintf(&toml, "  [[components.checks]]\n  name = \"check-%d\"\n  kind = \"http\"\n  target = \"http://127.0.0.1:8080/health\"\n  interval = \"60s\"\n", i)
	}
	cfg, err := config.Parse(filepath.Join(b.TempDir(), "ampel.toml"), []byte(toml.String()), []string{"http"})
	if err != nil {
		b.Fatal(err)
	}
	heap := func() uint64 {
		// Twice: what sync.Pools hold (encoding/json's buffer) survives
		// one collection.
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for b.Loop() {
		before := heap()
		r, err := New(Options{Config: cfg})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(heap()-before)/(1<<20), "MiB-kept")
		b.ReportMetric(float64(len(r.checks["near"].gz))/(1<<20), "MiB-check-list-gzipped")
		runtime.KeepAlive(r)
	}
}
