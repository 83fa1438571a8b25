package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// saved is one response of ampel's, kept for the ceiling server.
type saved struct {
	Path   string      `json:"path"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// fetch takes a response of ampel's as a browser gets it (gzip) and keeps
// its headers, bar the per-response ones, and bytes.
func fetch(base, path string) (saved, error) {
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		return saved{}, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return saved{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return saved{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return saved{}, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	h := resp.Header.Clone()
	h.Del("Date")
	h.Del("Content-Length")
	return saved{Path: path, Header: h, Body: body}, nil
}

// saveResponses writes the responses for the ceiling server to dir.
func saveResponses(dir string, rs []saved) error {
	data, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "responses.json"), data, 0o600)
}

// serveCeiling is the ceiling: a bare net/http server that answers each
// saved path with the saved headers and bytes from memory. It prints its
// URL and serves until killed.
func serveCeiling(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, "responses.json"))
	if err != nil {
		return err
	}
	var rs []saved
	if err := json.Unmarshal(data, &rs); err != nil {
		return err
	}
	byPath := map[string]saved{}
	for _, r := range rs {
		byPath[r.Path] = r
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("ceiling serving http://%s (%d responses)\n", ln.Addr(), len(rs))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		for k, v := range s.Header {
			w.Header()[k] = v
		}
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && s.Header.Get("Content-Encoding") != "" {
			http.Error(w, "the ceiling serves gzip only", http.StatusNotAcceptable)
			return
		}
		w.Write(s.Body)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	return srv.Serve(ln)
}
