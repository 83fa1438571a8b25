package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// subscribers hold /events streams open and note when each first sees an
// event whose data contains the marker.
type subscribers struct {
	marker string
	conns  []net.Conn
	// got[i] is when subscriber i saw the marker (UnixNano), 0 before.
	got      []atomic.Int64
	received atomic.Int64
	closed   atomic.Int64 // streams that ended early
	all      chan struct{}
	allOnce  sync.Once
}

// subscribe opens n streams, 100 connecting at a time, and returns once
// every one has its response headers.
func subscribe(base string, n int, marker string) (*subscribers, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	s := &subscribers{marker: marker, conns: make([]net.Conn, n), got: make([]atomic.Int64, n), all: make(chan struct{})}
	req := []byte(fmt.Sprintf("GET /events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\nUser-Agent: siteload\r\n\r\n", u.Host))
	sem := make(chan struct{}, 100)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			br, err := s.open(i, u.Host, req)
			if err != nil {
				errs <- fmt.Errorf("subscriber %d: %w", i, err)
				return
			}
			go s.read(i, br)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *subscribers) open(i int, host string, req []byte) (*bufio.Reader, error) {
	c, err := net.Dial("tcp", host)
	if err != nil {
		return nil, err
	}
	s.conns[i] = c
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(req); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(c, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return nil, fmt.Errorf("%s, %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	c.SetDeadline(time.Time{})
	return bufio.NewReaderSize(resp.Body, 8192), nil
}

// read follows one stream until it ends. A state event names every
// component on one data line, longer than the buffer at a large site:
// each piece is searched with the previous piece's tail, so a marker
// across two pieces is found too.
func (s *subscribers) read(i int, br *bufio.Reader) {
	var tail []byte
	for {
		piece, err := br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			s.closed.Add(1)
			return
		}
		if s.got[i].Load() == 0 && strings.Contains(string(tail)+string(piece), s.marker) {
			s.got[i].Store(time.Now().UnixNano())
			if s.received.Add(1) == int64(len(s.conns)) {
				s.allOnce.Do(func() { close(s.all) })
			}
		}
		tail = tail[:0]
		if err == bufio.ErrBufferFull {
			tail = append(tail, piece[max(0, len(piece)-len(s.marker)+1):]...)
		}
	}
}

// wait returns when every subscriber has seen the marker or timeout
// passes, with the first and last times seen.
func (s *subscribers) wait(timeout time.Duration) (first, last time.Time, n int) {
	select {
	case <-s.all:
	case <-time.After(timeout):
	}
	for i := range s.got {
		v := s.got[i].Load()
		if v == 0 {
			continue
		}
		t := time.Unix(0, v)
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
		n++
	}
	return first, last, n
}

func (s *subscribers) close() {
	for _, c := range s.conns {
		if c != nil {
			c.Close()
		}
	}
}
