package ui

import (
	"net/http"
	"net/url"
)

// sameOrigin rejects what browsers mark as coming from another site:
// Sec-Fetch-Site: cross-site, or an Origin naming another host than the
// request's or publicHost (site.public_url's). A request with neither
// header passes; the forms' tokens decide then. The scheme is not
// compared: behind a TLS-terminating proxy the request arrives over http
// while the page's origin is https.
func sameOrigin(r *http.Request, publicHost string) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return u.Host == r.Host || u.Host == publicHost
}
