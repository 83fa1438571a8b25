package agent

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ampelstatus/ampel/pkg/config"
)

// TestPullChecksGzipAndBound: the check list arrives gzipped, as the
// server sends it to Go's client, and a list past the agent's bound is
// refused with an error naming the bound, not a decoding error.
func TestPullChecksGzipAndBound(t *testing.T) {
	list := Checks{Zone: "eu"}
	for i := range 10000 {
		list.Checks = append(list.Checks, config.Check{Name: fmt.Sprintf("check-%d", i), Kind: "http", Target: "http://127.0.0.1:8080/health"})
	}
	body, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("the agent did not ask for gzip: %q", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("ETag", `W/"v1"`)
		zw := gzip.NewWriter(w)
		zw.Write(body)
		zw.Close()
	}))
	t.Cleanup(srv.Close)

	c := &client{base: srv.URL, zone: "eu", token: "t", http: srv.Client()}
	cs, etag, changed, err := c.pullChecks(t.Context(), "")
	if err != nil || !changed || etag != `W/"v1"` || len(cs.Checks) != 10000 || cs.Checks[9999].Name != "check-9999" {
		t.Fatalf("pull: %v, changed %v, etag %q, %d checks", err, changed, etag, len(cs.Checks))
	}

	c.maxChecks = 1 << 20 // the list is about 1.5 MB of JSON
	if len(body) <= 1<<20 {
		t.Fatalf("the list is only %d bytes: make it larger than the bound", len(body))
	}
	if _, _, _, err := c.pullChecks(t.Context(), ""); err == nil || !strings.Contains(err.Error(), "larger than the 1 MiB an agent reads") {
		t.Fatalf("a list past the bound: %v", err)
	}
}
