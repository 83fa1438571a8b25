package live

import (
	"fmt"
	"sync"
	"testing"
)

func ids(evs []Event) string {
	return fmt.Sprint(func() []uint64 {
		var out []uint64
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}())
}

func TestReplayWithinBuffer(t *testing.T) {
	h := New("e1", 3)
	for i := 0; i < 10; i++ {
		h.Publish("state", []byte{byte(i)})
	}
	evs, _, ok := h.Since(7)
	if !ok || ids(evs) != "[8 9 10]" {
		t.Fatalf("Since(7) = %s %v", ids(evs), ok)
	}
	if evs[2].Data[0] != 9 || evs[2].Name != "state" {
		t.Fatalf("event 10 = %+v", evs[2])
	}
	if _, _, ok := h.Since(6); ok {
		t.Fatal("Since(6) claims events 7.. are all kept with a buffer of 3")
	}
	if evs, _, ok := h.Since(10); !ok || len(evs) != 0 {
		t.Fatalf("Since(last) = %s %v", ids(evs), ok)
	}
	if _, _, ok := h.Since(11); ok {
		t.Fatal("an id from the future was accepted")
	}
}

func TestWakeOnPublish(t *testing.T) {
	h := New("e1", 8)
	_, wake, _ := h.Since(0)
	select {
	case <-wake:
		t.Fatal("woken before a publish")
	default:
	}
	h.Publish("state", nil)
	<-wake // closed by the publish
	evs, _, ok := h.Since(0)
	if !ok || ids(evs) != "[1]" {
		t.Fatalf("%s %v", ids(evs), ok)
	}
}

// A subscriber that never reads must not hold up publishing, and every
// reader sees every event in order.
func TestManyReadersMissNothing(t *testing.T) {
	h := New("e1", 1024)
	const readers, events = 50, 500
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last uint64
			for last < events {
				evs, wake, ok := h.Since(last)
				if !ok {
					errs <- fmt.Errorf("lost events after %d", last)
					return
				}
				for _, e := range evs {
					if e.ID != last+1 {
						errs <- fmt.Errorf("got %d after %d", e.ID, last)
						return
					}
					last = e.ID
				}
				if len(evs) == 0 {
					<-wake
				}
			}
		}()
	}
	_, _, _ = h.Since(0) // a subscriber that never reads again
	for i := 0; i < events; i++ {
		h.Publish("state", nil)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestIDsAndClose(t *testing.T) {
	h := New("run7", 4)
	h.Publish("a", nil)
	h.Publish("b", nil)
	if s := h.FormatID(2); s != "run7-2" {
		t.Fatalf("FormatID = %q", s)
	}
	for s, want := range map[string]bool{"run7-2": true, "run7-0": true, "run6-2": false, "run7-3": false, "run7": false, "run7-x": false, "": false} {
		if _, ok := h.ParseID(s); ok != want {
			t.Errorf("ParseID(%q) ok = %v, want %v", s, ok, want)
		}
	}
	h.Close()
	h.Close()
	<-h.Done()
}

// Keyed events are sent under their key, found by it among the kept
// events (the newest with it), and forgotten with the buffer.
func TestKeyedEvents(t *testing.T) {
	h := New("e1", 3)
	h.PublishKeyed("state", "aa", nil)
	h.PublishKeyed("state", "bb", nil)
	h.PublishKeyed("state", "aa", nil)
	if id, ok := h.Find(KeyID("aa")); !ok || id != 3 {
		t.Fatalf("Find(aa) = %d %v, want the newest, 3", id, ok)
	}
	if id, ok := h.Find(KeyID("bb")); !ok || id != 2 {
		t.Fatalf("Find(bb) = %d %v", id, ok)
	}
	evs, _, _ := h.Since(2)
	if len(evs) != 1 || h.WireID(evs[0]) != "s-aa" {
		t.Fatalf("wire id %v", evs)
	}
	if h.WireID(Event{ID: 7}) != "e1-7" {
		t.Fatalf("unkeyed wire id %q", h.WireID(Event{ID: 7}))
	}
	h.Publish("state", nil)
	h.Publish("state", nil)
	if _, ok := h.Find(KeyID("bb")); ok {
		t.Fatal("found an event the buffer no longer keeps")
	}
	for _, bad := range []string{"", "s-", "aa", "e1-1"} {
		if _, ok := h.Find(bad); ok {
			t.Errorf("Find(%q) found something", bad)
		}
	}
}
