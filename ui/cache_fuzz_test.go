package ui

import (
	"net/http"
	"net/url"
	"testing"
)

// FuzzRequestHeaders: If-None-Match, Accept-Encoding and Last-Event-ID
// come from strangers; none may panic or cause a 5xx.
func FuzzRequestHeaders(f *testing.F) {
	f.Add(`"abc", W/"def"`, "gzip;q=0, br", "test-1", "uptime")
	f.Add("*", "GZIP", "x", "")
	f.Add("", ";;,", "test-99999999999999999999", "status")
	h, _ := newHandler(f, func() error { return nil })
	f.Fuzz(func(t *testing.T, inm, ae, lastID, metric string) {
		for _, path := range []string{"/", "/api/v2/summary.json", "/badge/api.svg?metric=" + url.QueryEscape(metric)} {
			rec := get(h, path, "192.0.2.1:1", map[string]string{"If-None-Match": inm, "Accept-Encoding": ae, "Last-Event-ID": lastID})
			if rec.Code >= 500 {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
			}
			if rec.Code != http.StatusOK && rec.Code != http.StatusNotModified && rec.Code != http.StatusBadRequest {
				t.Fatalf("%s: %d", path, rec.Code)
			}
		}
	})
}
