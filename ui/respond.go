package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// Serving a cached page is a handful of header writes and one body
// write, so the headers are most of Ampel's own work per request: a
// profile of summary.json from the cache (issue 18) spent a third of it
// in Header.Set, which canonicalises the key and allocates a one-value
// slice every time. The values every response carries are prepared once
// here and assigned under their canonical keys.
//
// The slices are shared by every response, so nothing may write into
// them: Header.Set and Del replace or drop a key's slice, and Header.Add
// appends to a slice whose capacity is its length, which copies it.
var (
	hdrNosniff            = []string{"nosniff"}
	hdrReferrer           = []string{"strict-origin-when-cross-origin"}
	hdrCSP                = []string{csp}
	hdrHSTS               = []string{"max-age=63072000; includeSubDomains"}
	hdrVaryEncoding       = []string{"Accept-Encoding"}
	hdrGzip               = []string{"gzip"}
	hdrAnyOrigin          = []string{"*"}
	hdrPageCache          = []string{pageCacheControl}
	hdrUnknownHostNoStore = []string{unknownHostCacheControl}
)

// cacheControlValue is v as a prepared header value when it is one of the
// common Cache-Control values, or else a new slice.
func cacheControlValue(v string) []string {
	switch v {
	case pageCacheControl:
		return hdrPageCache
	case unknownHostCacheControl:
		return hdrUnknownHostNoStore
	}
	return []string{v}
}

// sendable is a body ready to answer with: its gzip form, its content
// type and both entity tags, as header values prepared once per build.
type sendable struct {
	body, gz    []byte
	contentType []string
	// etag names body; etagGz the gzip form (a cache must not answer a
	// client that takes no gzip with it).
	etag, etagGz []string
}

func newSendable(body, gz []byte, contentType, etag string) sendable {
	return sendable{
		body: body, gz: gz, contentType: []string{contentType},
		etag: []string{etag}, etagGz: []string{strings.TrimSuffix(etag, `"`) + `-gz"`},
	}
}

// size is what the sendable holds, for the cache's bound.
func (s *sendable) size() int {
	return len(s.body) + len(s.gz) + len(s.etag[0]) + len(s.etagGz[0]) + len(s.contentType[0])
}

// sendCached answers with the body (or its gzip form when the client
// takes it), or 304 when the client's If-None-Match names its entity tag.
func sendCached(c echo.Context, s *sendable) error {
	req, h := c.Request(), c.Response().Header()
	if v, ok := h["Vary"]; ok && len(v) > 0 {
		// One line ("Accept-Language, Accept-Encoding"), as CDNs read
		// it best; a new slice, never one shared by every response.
		h["Vary"] = []string{v[0] + ", Accept-Encoding"}
	} else {
		h["Vary"] = hdrVaryEncoding
	}
	// The server's request headers are in canonical form: direct lookups
	// skip Header.Get's canonicalising of the key.
	useGz := s.gz != nil && acceptsGzip(firstValue(req.Header["Accept-Encoding"]))
	tag, body := s.etag, s.body
	if useGz {
		tag, body = s.etagGz, s.gz
	}
	h["Etag"] = tag
	if inm := firstValue(req.Header["If-None-Match"]); inm != "" && etagMatch(inm, s.etag[0], tag[0]) {
		return c.NoContent(http.StatusNotModified)
	}
	if useGz {
		h["Content-Encoding"] = hdrGzip
	}
	h["Content-Type"] = s.contentType
	if req.Method == http.MethodHead {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		return c.NoContent(http.StatusOK)
	}
	res := c.Response()
	res.WriteHeader(http.StatusOK)
	_, err := res.Write(body)
	return err
}

// firstValue is a header's first value, as Header.Get returns it.
func firstValue(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// addVary adds a request header to the response's Vary, on its one line
// ("Accept-Language, Accept-Encoding").
func addVary(h http.Header, name string) {
	v := h.Get("Vary")
	switch {
	case v == "":
		h.Set("Vary", name)
	case !strings.Contains(v, name):
		h.Set("Vary", v+", "+name)
	}
}
