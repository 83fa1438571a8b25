// Package live fans events out to many subscribers (the status page's
// Server-Sent Events) without ever blocking the publisher: events go into
// a bounded replay buffer with increasing ids, and each subscriber reads
// from it at its own pace. A subscriber that falls further behind than the
// buffer reaches learns so and must reload.
//
// The buffer is bounded twice: by a number of events and by their bytes.
// Each state event of the status page carries the whole page's state
// (about 67 KB at 1,000 components), so a count alone let the buffer grow
// with the size of the page.
package live

import (
	"slices"
	"strconv"
	"strings"
	"sync"
)

// DefaultMaxBytes is the byte cap New gives a hub: the bytes of the kept
// events' names, keys and data. 8 MiB keeps about 125 whole-page state
// events at 1,000 components, and all of a count of 1,024 at up to about
// 120 components. A subscriber seldom needs more than the last few: every
// state event carries the whole state, and one that fell further behind
// reloads the page.
const DefaultMaxBytes = 8 << 20

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
	epoch    string
	keep     int // events kept at most
	maxBytes int // bytes of the kept events at most, but for the newest

	mu     sync.Mutex
	events []Event // the kept events, ids contiguous, oldest first
	bytes  int     // their size (see size)
	last   uint64
	wake   chan struct{} // closed and replaced by every Publish
	done   chan struct{}
	closed bool
}

// New returns a hub that keeps the last keep events for replay, within
// DefaultMaxBytes. epoch names this run (a start time, say): ids from
// another epoch cannot be replayed.
func New(epoch string, keep int) *Hub { return NewSized(epoch, keep, DefaultMaxBytes) }

// NewSized returns a hub that keeps the last keep events for replay, as
// many of them as fit in maxBytes (see Kept); the newest is kept even
// when it alone is larger.
func NewSized(epoch string, keep, maxBytes int) *Hub {
	return &Hub{epoch: epoch, keep: max(keep, 1), maxBytes: max(maxBytes, 0),
		wake: make(chan struct{}), done: make(chan struct{})}
}

// size is what an event counts against the byte cap.
func size(ev Event) int { return len(ev.Name) + len(ev.Key) + len(ev.Data) }

// Publish appends an event and wakes every subscriber. It returns the
// event's id.
func (h *Hub) Publish(name string, data []byte) uint64 { return h.PublishKeyed(name, "", data) }

// PublishKeyed is Publish for an event with a key (see Event.Key).
func (h *Hub) PublishKeyed(name, key string, data []byte) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last++
	ev := Event{ID: h.last, Key: key, Name: name, Data: data}
	h.events = append(h.events, ev)
	h.bytes += size(ev)
	for len(h.events) > h.keep || (h.bytes > h.maxBytes && len(h.events) > 1) {
		// The oldest goes, and its data with it: the slot is cleared
		// (Since hands out copies), and append moves the kept events
		// to a new array once the old one is used up.
		h.bytes -= size(h.events[0])
		h.events[0] = Event{}
		h.events = h.events[1:]
	}
	close(h.wake)
	h.wake = make(chan struct{})
	return h.last
}

// Since returns the events after id after, a channel closed when the next
// event is published, and false if some events after after are no longer
// kept (the subscriber must start over). The events are the caller's:
// evicting them later does not change them.
func (h *Hub) Since(after uint64) ([]Event, <-chan struct{}, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if after >= h.last {
		return nil, h.wake, after == h.last
	}
	if after+1 < h.events[0].ID {
		return nil, h.wake, false
	}
	return slices.Clone(h.events[len(h.events)-int(h.last-after):]), h.wake, true
}

// Kept returns the number of events kept for replay and their bytes: the
// lengths of their names, keys and data.
func (h *Hub) Kept() (events, bytes int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.events), h.bytes
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
	for i := len(h.events) - 1; i >= 0; i-- {
		if h.events[i].Key == key {
			return h.events[i].ID, true
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
