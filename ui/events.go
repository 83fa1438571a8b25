package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/pkg/live"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

// maxStreams caps the open /events streams when Deps does not say; serve
// derives the cap from its descriptor budget (see connlimit.Plan).
const maxStreams = 50000

// heartbeat is how often, by default, an idle stream sends a comment
// line, so proxies and load balancers do not close it.
const heartbeat = 15 * time.Second

// stateEvent is the data of a "state" event: everything the front page's
// script needs to update the banner, groups and rows in place.
type stateEvent struct {
	Banner     liveItem   `json:"banner"`
	Groups     []liveItem `json:"groups"`
	Components []liveItem `json:"components"`
	Updated    string     `json:"updated"`
}

type liveItem struct {
	ID    string `json:"id"`
	Level string `json:"level"`
	Text  string `json:"text"`
	// Texts is Text in the other shipped languages, by language: the
	// script shows the one of the page's <html lang>.
	Texts map[string]string `json:"texts,omitempty"`
}

// Feed turns ingest's state changes into page updates: it versions the
// page cache and publishes the page's state to the hub whenever a
// component changes. It never blocks: Observe runs on the probes'
// workers, so the page's state is built on a goroutine of its own, and a
// burst of changes (every component's first verdict after a start, an
// outage of many at once) is folded into a few events rather than one
// whole-page build per change; the hub keeps events and each stream
// reads at its own pace.
type Feed struct {
	engine *state.Engine
	hub    *live.Hub
	rev    atomic.Uint64

	// mu guards what Observe hands to the publishing goroutine.
	mu         sync.Mutex
	dirty      bool      // a component changed since the last build began
	publishing bool      // the goroutine runs; it ends once nothing is dirty
	at         time.Time // the newest change's time, the event's "updated"
}

// fold is how long the publisher waits after an event before it builds
// the next, so a burst costs at most a few builds a second however many
// changes it holds; a lone change is published at once.
const fold = 100 * time.Millisecond

// NewFeed returns a Feed publishing engine's state to hub.
func NewFeed(engine *state.Engine, hub *live.Hub) *Feed {
	return &Feed{engine: engine, hub: hub}
}

// Hub is where the feed publishes.
func (f *Feed) Hub() *live.Hub { return f.hub }

// Revision increases with every observed change of anything, so cached
// pages are rebuilt even for changes at equal or earlier times.
func (f *Feed) Revision() uint64 { return f.rev.Load() }

// Touch marks the cached pages stale after a change the state does not
// see, such as automation editing an incident or a maintenance window.
func (f *Feed) Touch() { f.rev.Add(1) }

// Observe is an ingest observer.
func (f *Feed) Observe(_ status.Result, changes []status.Change) {
	if len(changes) == 0 {
		return
	}
	f.rev.Add(1)
	i := slices.IndexFunc(changes, func(ch status.Change) bool { return ch.Kind == status.Component })
	if i < 0 {
		return
	}
	f.mu.Lock()
	f.dirty = true
	if at := changes[i].At; at.After(f.at) {
		f.at = at
	}
	start := !f.publishing
	f.publishing = true
	f.mu.Unlock()
	if start {
		go f.publish()
	}
}

// publish builds and publishes the page's state until no change is left
// unpublished. Only one runs at a time, so the last event is the newest
// state: a change after a build began marks the feed dirty again.
func (f *Feed) publish() {
	for {
		f.mu.Lock()
		f.dirty = false
		at := f.at
		f.mu.Unlock()
		ev := stateEventOf(f.engine.Summaries(), at)
		if data, err := json.Marshal(ev); err == nil {
			f.hub.PublishKeyed("state", ev.key(), data)
		}
		time.Sleep(fold)
		f.mu.Lock()
		if !f.dirty {
			f.publishing = false
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
	}
}

// key names the state an event shows, the same on every node that shows
// it, so a browser's Last-Event-ID resumes on any node of a cluster (a
// follower mirrors the leader's changes in other batches, and its own
// counter would mean nothing to the leader). Updated is left out: it
// says when, not what.
func (ev stateEvent) key() string {
	shown := ev
	shown.Updated = ""
	b, _ := json.Marshal(shown)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// CurrentID is the wire id of the state the engine shows now: a page
// names it in its events link, so its stream starts after what it shows.
func (f *Feed) CurrentID() string {
	return live.KeyID(stateEventOf(f.engine.Summaries(), time.Time{}).key())
}

// resume returns the hub id a stream that last saw the event with wire
// id id goes on from: the newest event when id names the state shown now
// (whichever node sent it), else the newest kept event with that id
// (what followed is replayed). false: this node cannot tell what the
// client missed, and it must reload rather than miss something.
func (f *Feed) resume(id string) (uint64, bool) {
	if id == f.CurrentID() {
		return f.hub.Last(), true
	}
	if n, ok := f.hub.Find(id); ok {
		return n, true
	}
	return f.hub.ParseID(id)
}

func stateEventOf(comps []state.Component, at time.Time) stateEvent {
	ov := overallOf(comps)
	ev := stateEvent{
		Banner:  liveItem{ID: "banner", Level: classOf(ov.Level), Text: ov.Description, Texts: translated(func(l loc) string { return l.T("overall." + ov.key()) })},
		Updated: at.UTC().Format(time.RFC3339),
	}
	for _, g := range groupsOf(english, comps, nil, 0) {
		if g.Grouped {
			ev.Groups = append(ev.Groups, liveItem{ID: g.ID, Level: g.Class, Text: g.Text, Texts: levelTexts(g.Level)})
		}
	}
	for _, c := range comps {
		ev.Components = append(ev.Components, liveItem{ID: c.Slug, Level: classOf(c.Level), Text: textOf(c.Level), Texts: levelTexts(c.Level)})
	}
	return ev
}

// events streams state changes as Server-Sent Events. A client that
// reconnects with Last-Event-ID gets what it missed, or a "reload" event
// when that is no longer kept (or the server restarted).
func (s *site) events(c echo.Context) error {
	if s.d.Feed == nil {
		return echo.NewHTTPError(http.StatusNotFound, "live updates are off")
	}
	if c.Request().Method == http.MethodHead {
		// The headers of a stream, without one.
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.Blob(http.StatusOK, "text/event-stream", nil)
	}
	// Each stream holds a descriptor: past a client's share or the
	// server's cap a flood is refused at once, and the page falls back
	// to its Reload button.
	client := streamClient(c)
	if ok, code := s.streams.take(client); !ok {
		return refuseStream(c, code)
	}
	defer s.streams.release(client)
	hub := s.d.Feed.Hub()
	w := c.Response()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	last := hub.Last()
	// A reconnecting EventSource sends Last-Event-ID; a page's first
	// connection names, in ?since=, the last event its HTML includes.
	id := c.Request().Header.Get("Last-Event-ID")
	if id == "" {
		id = c.QueryParam("since")
	}
	if id != "" {
		if n, ok := s.d.Feed.resume(id); ok {
			last = n
		} else if err := s.send(rc, w, live.Event{ID: last, Name: "reload", Data: []byte("{}")}); err != nil {
			return nil
		}
	}
	// The retry hint spreads a crowd's reconnects after a restart.
	if err := write(rc, w, fmt.Sprintf("retry: %d\n\n", 2000+rand.IntN(3000))); err != nil {
		return nil
	}
	tick := time.NewTicker(s.d.Heartbeat)
	defer tick.Stop()
	ctx := c.Request().Context()
	for {
		evs, wake, ok := hub.Since(last)
		if !ok {
			_ = s.send(rc, w, live.Event{ID: hub.Last(), Name: "reload", Data: []byte("{}")})
			return nil
		}
		for _, ev := range evs {
			if err := s.send(rc, w, ev); err != nil {
				return nil
			}
			last = ev.ID
		}
		select {
		case <-wake:
		case <-tick.C:
			if err := write(rc, w, ": keep-alive\n\n"); err != nil {
				return nil
			}
		case <-ctx.Done():
			return nil
		case <-hub.Done():
			return nil
		}
	}
}

func (s *site) send(rc *http.ResponseController, w io.Writer, ev live.Event) error {
	return write(rc, w, fmt.Sprintf("id: %s\nevent: %s\ndata: %s\n\n", s.d.Feed.Hub().WireID(ev), ev.Name, ev.Data))
}

// writeWait bounds one write to a stream: a client that stops reading is
// dropped instead of holding its goroutine forever. (The server's
// WriteTimeout, which would cut every stream, is replaced by it.)
const writeWait = 2 * heartbeat

func write(rc *http.ResponseController, w io.Writer, msg string) error {
	_ = rc.SetWriteDeadline(time.Now().Add(writeWait))
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	return rc.Flush()
}

// translated is a text in each shipped language but English.
func translated(text func(l loc) string) map[string]string {
	out := make(map[string]string, len(i18n.Languages)-1)
	for _, lang := range i18n.Languages[1:] {
		out[lang] = text(loc{Lang: lang})
	}
	return out
}

// levelTextsByLevel holds, per level, its word in the other languages,
// built once: every state event carries one for each component, on the
// probe worker's goroutine.
var levelTextsByLevel sync.Map // status.Level -> map[string]string

// levelTexts is translated for a level's word, shared read-only by every
// event that carries it.
func levelTexts(lv status.Level) map[string]string {
	if m, ok := levelTextsByLevel.Load(lv); ok {
		return m.(map[string]string)
	}
	m, _ := levelTextsByLevel.LoadOrStore(lv, translated(func(l loc) string { return l.Level(lv) }))
	return m.(map[string]string)
}
