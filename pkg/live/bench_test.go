package live

import (
	"math"
	"runtime"
	"testing"
)

// stateEventBytes is the size of one state event of the status page at
// 1,000 components in 10 groups, with its texts in the three languages
// (ui's Feed, measured: 104-111 KB).
const stateEventBytes = 104 << 10

// BenchmarkReplayMemory is the memory the replay buffer holds at 1,000
// components once 2,048 state events were published, with a count cap of
// 1,024 alone (as before the byte cap) and with DefaultMaxBytes too:
//
//	go test ./pkg/live -run '^$' -bench ReplayMemory -benchtime 1x
func BenchmarkReplayMemory(b *testing.B) {
	for _, c := range []struct {
		name     string
		maxBytes int
	}{{"count-only", math.MaxInt}, {"default-byte-cap", DefaultMaxBytes}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				h := NewSized("e1", 1024, c.maxBytes)
				for range 2048 {
					h.Publish("state", make([]byte, stateEventBytes))
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				n, bytes := h.Kept()
				b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "heap-MiB")
				b.ReportMetric(float64(bytes)/(1<<20), "kept-MiB")
				b.ReportMetric(float64(n), "events")
				runtime.KeepAlive(h)
			}
		})
	}
}
