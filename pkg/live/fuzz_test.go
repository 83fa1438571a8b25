package live

import (
	"strings"
	"testing"
)

// FuzzParseID: Last-Event-ID comes from strangers; no value may panic or
// name an event that was never published.
func FuzzParseID(f *testing.F) {
	h := New("lq2x9", 4)
	for i := 0; i < 10; i++ {
		h.Publish("state", nil)
	}
	for _, s := range []string{"lq2x9-3", "lq2x9-10", "lq2x9-11", "lq2x9--1", "lq2x9-18446744073709551615", "-", "", "lq2x9-3-4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := h.ParseID(s)
		if !ok {
			return
		}
		if id > h.Last() {
			t.Fatalf("ParseID(%q) = %d beyond the last event", s, id)
		}
		if !strings.HasPrefix(s, "lq2x9-") {
			t.Fatalf("ParseID(%q) accepted another epoch", s)
		}
		_, _, _ = h.Since(id)
	})
}
