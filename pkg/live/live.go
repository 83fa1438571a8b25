// Package live fans events out to many subscribers (the status page's
// Server-Sent Events) without ever blocking the publisher: events go into
// a bounded replay buffer with increasing ids, and each subscriber reads
// from it at its own pace. A subscriber that falls further behind than the
// buffer reaches learns so and must reload.
package live

import (
	"strconv"
	"strings"
	"sync"
)

// Event is one published message.
type Event struct {
	// ID increases by one with every event of a Hub, from 1.
	ID uint64
	// Key, when set, names what the event carries independently of
	// the process that publishes it (a digest of the state it shows):
	// its wire id is then the key, which every node of a cluster that
	// reached the same state recognises (see WireID and Find).
	Key  string
	Name string
	Data []byte
}

// Hub keeps the last events and wakes waiting subscribers. It is safe for
// concurrent use; Publish never waits for a subscriber.
type Hub struct {
	epoch string
	keep  int

	mu     sync.Mutex
	events []Event // the last events, ids contiguous, oldest first
	last   uint64
	wake   chan struct{} // closed and replaced by every Publish
	done   chan struct{}
	closed bool
}

// New returns a hub that keeps the last keep events for replay. epoch
// names this run (a start time, say): ids from another epoch cannot be
// replayed.
func New(epoch string, keep int) *Hub {
	if keep < 1 {
		keep = 1
	}
	return &Hub{epoch: epoch, keep: keep, wake: make(chan struct{}), done: make(chan struct{})}
}

// Publish appends an event and wakes every subscriber. It returns the
// event's id.
func (h *Hub) Publish(name string, data []byte) uint64 { return h.PublishKeyed(name, "", data) }

// PublishKeyed is Publish for an event with a key (see Event.Key).
func (h *Hub) PublishKeyed(name, key string, data []byte) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last++
	if len(h.events) >= 2*h.keep {
		// Drop in halves so appends stay amortised O(1).
		h.events = append(h.events[:0], h.events[len(h.events)-h.keep+1:]...)
	}
	h.events = append(h.events, Event{ID: h.last, Key: key, Name: name, Data: data})
	close(h.wake)
	h.wake = make(chan struct{})
	return h.last
}

// Since returns the events after id after, a channel closed when the next
// event is published, and false if some events after after are no longer
// kept (the subscriber must start over).
func (h *Hub) Since(after uint64) ([]Event, <-chan struct{}, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if after >= h.last {
		return nil, h.wake, after == h.last
	}
	first := h.last - uint64(min(len(h.events), h.keep)) + 1
	if after+1 < first {
		return nil, h.wake, false
	}
	i := len(h.events) - int(h.last-after)
	return h.events[i:len(h.events):len(h.events)], h.wake, true
}

// Last returns the id of the newest event, 0 before the first.
func (h *Hub) Last() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Done is closed by Close: streams should end.
func (h *Hub) Done() <-chan struct{} { return h.done }

// Close ends every stream; it is safe to call more than once (for
// http.Server.RegisterOnShutdown).
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// keyPrefix starts the wire id of a keyed event.
const keyPrefix = "s-"

// WireID is the id an event is sent with: "s-" and its key when it has
// one, else FormatID's.
func (h *Hub) WireID(ev Event) string {
	if ev.Key != "" {
		return KeyID(ev.Key)
	}
	return h.FormatID(ev.ID)
}

// KeyID is the wire id of a keyed event.
func KeyID(key string) string { return keyPrefix + key }

// Find returns the id of the newest kept event whose wire id is wire (a
// keyed id); false when none is kept.
func (h *Hub) Find(wire string) (uint64, bool) {
	key, ok := strings.CutPrefix(wire, keyPrefix)
	if !ok || key == "" {
		return 0, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	kept := h.events[len(h.events)-min(len(h.events), h.keep):]
	for i := len(kept) - 1; i >= 0; i-- {
		if kept[i].Key == key {
			return kept[i].ID, true
		}
	}
	return 0, false
}

// FormatID returns the wire form of an event id: "epoch-id".
func (h *Hub) FormatID(id uint64) string { return h.epoch + "-" + strconv.FormatUint(id, 10) }

// ParseID reads a Last-Event-ID. It returns false for an id of another
// epoch or one that does not parse: the client must start over.
func (h *Hub) ParseID(s string) (uint64, bool) {
	epoch, n, ok := strings.Cut(s, "-")
	if !ok || epoch != h.epoch {
		return 0, false
	}
	id, err := strconv.ParseUint(n, 10, 64)
	if err != nil || id > h.Last() {
		return 0, false
	}
	return id, true
}
