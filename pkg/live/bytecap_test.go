package live

import (
	"bytes"
	"testing"
)

// publishSized publishes n events whose data is size bytes, the i-th
// filled with byte i (so a replayed event shows which one it is).
func publishSized(h *Hub, n, size int) {
	for i := range n {
		h.Publish("state", bytes.Repeat([]byte{byte(i)}, size))
	}
}

// The byte cap holds: however many events are published, the kept
// events' bytes (name, key and data) never exceed it, and as many of
// the newest are kept as fit.
func TestByteCapHolds(t *testing.T) {
	const size = 95 // + len("state") = 100 bytes an event
	h := NewSized("e1", 1024, 1000)
	for i := 1; i <= 50; i++ {
		h.Publish("state", make([]byte, size))
		n, b := h.Kept()
		if b > 1000 {
			t.Fatalf("after %d events %d bytes kept, over the cap of 1000", i, b)
		}
		if want := min(i, 10); n != want || b != want*100 {
			t.Fatalf("after %d events kept %d events, %d bytes; want %d, %d", i, n, b, want, want*100)
		}
	}
}

// Eviction takes the oldest first: what is kept is always the newest
// events, contiguous, and a subscriber just behind them replays them all
// in order.
func TestByteCapEvictsOldestFirst(t *testing.T) {
	h := NewSized("e1", 1024, 1000)
	publishSized(h, 30, 195) // 200 bytes each: 5 fit
	evs, _, ok := h.Since(25)
	if !ok || ids(evs) != "[26 27 28 29 30]" {
		t.Fatalf("Since(25) = %s %v, want the 5 newest", ids(evs), ok)
	}
	for _, ev := range evs {
		if ev.Data[0] != byte(ev.ID-1) {
			t.Fatalf("event %d carries the data of event %d", ev.ID, ev.Data[0]+1)
		}
	}
	// A larger event evicts as many old ones as it needs.
	h.Publish("state", make([]byte, 595)) // 600 bytes: 2 of the others still fit
	if evs, _, ok := h.Since(28); !ok || ids(evs) != "[29 30 31]" {
		t.Fatalf("Since(28) = %s %v, want [29 30 31]", ids(evs), ok)
	}
	if _, _, ok := h.Since(27); ok {
		t.Fatal("Since(27) claims event 28 is still kept")
	}
}

// A subscriber whose last event fell out of the buffer by its bytes
// learns it must reload, as when it falls out by count: Since says not
// ok, and Find no longer finds the key it last saw.
func TestResumeAfterByteEviction(t *testing.T) {
	h := NewSized("e1", 1024, 1000)
	h.PublishKeyed("state", "k1", make([]byte, 400))
	h.PublishKeyed("state", "k2", make([]byte, 400))
	seen := h.Last()
	if id, ok := h.Find(KeyID("k2")); !ok || id != seen {
		t.Fatalf("Find(k2) = %d %v before eviction", id, ok)
	}
	if evs, _, ok := h.Since(seen - 1); !ok || len(evs) != 1 {
		t.Fatalf("Since(%d) = %s %v", seen-1, ids(evs), ok)
	}
	h.PublishKeyed("state", "k3", make([]byte, 400)) // evicts k1
	h.PublishKeyed("state", "k4", make([]byte, 400)) // evicts k2
	if _, ok := h.Find(KeyID("k2")); ok {
		t.Fatal("Find(k2) found an event evicted by the byte cap")
	}
	// The client that last saw k2 resumes by its number (as ui's resume
	// falls back to): the event after it, k3, is kept, so it may go on.
	if evs, _, ok := h.Since(seen); !ok || ids(evs) != "[3 4]" {
		t.Fatalf("Since(%d) = %s %v, want [3 4]", seen, ids(evs), ok)
	}
	// The one that last saw k1 missed k2, which is gone: it must reload.
	if _, _, ok := h.Since(seen - 1); ok {
		t.Fatal("Since(1) is ok though event 2 was evicted")
	}
	if _, ok := h.ParseID(h.FormatID(seen - 1)); !ok {
		t.Fatal("ParseID refused a past id of this epoch")
	}
}

// The newest event is kept even when it alone is over the cap: a
// subscriber one event behind still gets it.
func TestByteCapKeepsNewest(t *testing.T) {
	h := NewSized("e1", 1024, 100)
	publishSized(h, 3, 500)
	if n, b := h.Kept(); n != 1 || b != 505 {
		t.Fatalf("kept %d events, %d bytes; want the newest alone, 505 bytes", n, b)
	}
	if evs, _, ok := h.Since(2); !ok || ids(evs) != "[3]" {
		t.Fatalf("Since(2) = %s %v", ids(evs), ok)
	}
}

// Events a subscriber was handed stay intact while the publisher goes
// on evicting: a stream writes them out after Since has returned.
func TestReplayedEventsSurviveEviction(t *testing.T) {
	h := NewSized("e1", 4, 1000)
	publishSized(h, 4, 95)
	evs, _, _ := h.Since(0)
	publishSized(h, 100, 95)
	if ids(evs) != "[1 2 3 4]" {
		t.Fatalf("replayed events became %s", ids(evs))
	}
	for i, ev := range evs {
		if len(ev.Data) != 95 || ev.Data[0] != byte(i) {
			t.Errorf("replayed event %d changed under the reader: %d bytes of %d", i+1, len(ev.Data), ev.Data[0])
		}
	}
}

// New caps the bytes at DefaultMaxBytes.
func TestNewDefaultByteCap(t *testing.T) {
	h := New("e1", 1<<20)
	size := 64 << 10
	n := DefaultMaxBytes/size + 10
	publishSized(h, n, size-len("state"))
	kept, b := h.Kept()
	if b > DefaultMaxBytes || kept != DefaultMaxBytes/size {
		t.Fatalf("kept %d events, %d bytes, with the default cap of %d", kept, b, DefaultMaxBytes)
	}
}
