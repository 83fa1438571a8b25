package clustertest

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Event is one Server-Sent Event received.
type Event struct {
	ID, Name, Data string
	At             time.Time // when it arrived
}

// Stream is a live-update client as a browser's EventSource is: it reads
// /events and, whenever the stream ends (its node stopped, a proxy cut
// it), reconnects with the last id it got in Last-Event-ID.
type Stream struct {
	url    string
	cancel context.CancelFunc
	done   chan struct{}

	mu         sync.Mutex
	events     []Event // Guarded by mu.
	reconnects int     // Guarded by mu.
	errors     []string
}

// StartStream opens a stream of base+"/events" until Stop.
func StartStream(base string) *Stream {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Stream{url: base + "/events", cancel: cancel, done: make(chan struct{})}
	go s.run(ctx)
	return s
}

// Stop closes the stream and returns the events it received and how
// often it had to reconnect.
func (s *Stream) Stop() (events []Event, reconnects int) {
	s.cancel()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...), s.reconnects
}

// Received is the number of events so far.
func (s *Stream) Received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// Errors are the reasons the stream had to reconnect, the first few.
func (s *Stream) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errors...)
}

func (s *Stream) run(ctx context.Context) {
	defer close(s.done)
	last := ""
	for first := true; ; first = false {
		if !first {
			s.mu.Lock()
			s.reconnects++
			s.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond): // an EventSource's retry pause, shortened
			}
		}
		err := s.read(ctx, &last)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.mu.Lock()
			if len(s.errors) < 20 {
				s.errors = append(s.errors, time.Now().UTC().Format("15:04:05.000 ")+err.Error())
			}
			s.mu.Unlock()
		}
	}
}

// read reads one connection's events until it ends.
func (s *Stream) read(ctx context.Context, last *string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", s.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	if *last != "" {
		req.Header.Set("Last-Event-ID", *last)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &statusError{resp.Status}
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var ev Event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" || ev.Data != "" {
				ev.At = time.Now()
				if ev.Name == "" {
					ev.Name = "message"
				}
				s.mu.Lock()
				s.events = append(s.events, ev)
				s.mu.Unlock()
				if ev.ID != "" {
					*last = ev.ID
				}
			}
			ev = Event{}
		case strings.HasPrefix(line, "id:"):
			ev.ID = strings.TrimSpace(strings.TrimPrefix(line, "id:"))
		case strings.HasPrefix(line, "event:"):
			ev.Name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			ev.Data += strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
		}
	}
	return sc.Err()
}

type statusError struct{ status string }

func (e *statusError) Error() string { return "GET /events: " + e.status }
