package clustertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// A stream cut by its server reconnects with the last id it got, as an
// EventSource does, and reads on from there.
func TestStreamResumesWithLastEventID(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.Header.Get("Last-Event-ID"))
		mu.Unlock()
		next := 1
		if id := r.Header.Get("Last-Event-ID"); id != "" {
			n, _ := strconv.Atoi(id)
			next = n + 1
		}
		w.Header().Set("Content-Type", "text/event-stream")
		// Two events a connection, then the connection ends (the node
		// went away).
		for i := next; i < next+2 && i <= 6; i++ {
			fmt.Fprintf(w, "id: %d\nevent: state\ndata: {\"n\":%d}\n\n", i, i)
		}
		w.(http.Flusher).Flush()
	}))
	defer srv.Close()
	s := StartStream(srv.URL)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(asked)
		mu.Unlock()
		if n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d connections in 10s", n)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition with a deadline
	}
	events, reconnects := s.Stop()
	if reconnects < 3 {
		t.Errorf("%d reconnects, want at least 3", reconnects)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, want := range []string{"", "2", "4", "6"} {
		if asked[i] != want {
			t.Errorf("connection %d sent Last-Event-ID %q, want %q (all: %q)", i, asked[i], want, asked)
		}
	}
	for i := range 6 {
		if events[i].ID != strconv.Itoa(i+1) || events[i].Name != "state" || events[i].Data != fmt.Sprintf(`{"n":%d}`, i+1) {
			t.Fatalf("event %d: %+v", i, events[i])
		}
	}
}

// The readers count every answer that is not a 200, and, once watching,
// every component read other than operational.
func TestLoadCountsFailuresAndStates(t *testing.T) {
	var mu sync.Mutex
	fail := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		f := fail
		mu.Unlock()
		if f && r.URL.Path == "/" {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, `{"components":[{"name":"API","status":"operational"},{"name":"Web","status":"major_outage"}]}`)
	}))
	defer srv.Close()
	l := StartLoad(srv.URL, 2)
	waitRequests(t, l, 50)
	l.Watch()
	mu.Lock()
	fail = true
	mu.Unlock()
	waitRequests(t, l, l.Requests()+50)
	r := l.Stop()
	if r.Failed == 0 || len(r.Failures) == 0 {
		t.Errorf("failed %d (%v), want the 502s counted", r.Failed, r.Failures)
	}
	if r.NotOperational == 0 || len(r.NotOperationalSeen) == 0 {
		t.Errorf("not operational %d, want Web's major_outage counted", r.NotOperational)
	}
}

func waitRequests(t *testing.T, l *Load, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for l.Requests() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests in 10s", l.Requests())
		}
		time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
	}
}
