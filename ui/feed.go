package ui

import (
	"bytes"
	"cmp"
	"context"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/config"
)

// feedLimit is how many entries the feeds carry, newest first.
const feedLimit = 50

// feedEntry is one update of an incident or a window (or a published
// postmortem), as both feeds show it.
type feedEntry struct {
	// ID is a tag URI (RFC 4151) that never changes for the entry.
	ID    string
	Title string
	Link  string
	At    time.Time
	// HTML is the sanitised HTML of the operator's Markdown.
	HTML string
}

// base is the site's public address, without a trailing slash: site.public_url,
// or else the request's host (a syntactically checked one: the Host
// header is the client's to choose).
//
// The host rule, for everything that names the site's address (feeds,
// the calendar, page.url and shortlinks in the Statuspage JSON):
//   - with site.public_url set, every response names public_url,
//     whatever Host the request carried, and is cached once;
//   - without it, a response names the request's host. It is cached per
//     host in the pages' cache only for known hosts, those listed in
//     site.hosts; for any other host it is built for that host (the
//     Statuspage JSON: from one cached build with a placeholder address,
//     filled in) and kept in a small cache of its own (unlistedCacheBytes)
//     under that host, so its bytes only ever answer requests naming the
//     same host, and kept by no shared cache in front (Cache-Control:
//     no-store). A made-up Host costs a render or a substitution and a
//     share of that small cache, and can push nothing out of the pages'
//     cache; a crowd reaching the page by one unlisted name (an IP
//     address) is served from memory, not rendered and gzipped per
//     request (issue 18).
//   - a Host that is not a host name or IP literal (with an optional
//     port) is named "localhost" and treated as unknown.
//
// Unknown hosts are answered, not refused: a status page must keep
// answering under whatever name it is reached by during an outage (an
// IP address, an internal name, a CDN's origin host), and a forgotten
// setting must not turn into an error page at the worst moment. serve
// warns at start when public_url is unset on a non-loopback listener.
type base struct {
	URL  string // "https://status.example.com"
	Host string // "status.example.com", for tag URIs
	// FromRequest is set when URL came from the request: cache keys then
	// name it.
	FromRequest bool
	// Known is set when the request's host is in site.hosts (or URL is
	// public_url): only then is the response cached.
	Known bool
}

func (s *site) baseOf(c echo.Context) base {
	if s.public.Known {
		return s.public
	}
	host := strings.ToLower(c.Request().Host)
	if !config.ValidHost(host) {
		host = "localhost"
	}
	scheme := "http"
	if c.Request().TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: host}
	return base{URL: u.String(), Host: u.Hostname(), FromRequest: true, Known: s.knownHost(host)}
}

// knownHost reports whether host (lower-cased host or host:port) is
// listed in site.hosts, as itself or, for a listed name without a port,
// on any port.
func (s *site) knownHost(host string) bool {
	hosts := s.d.Config.Site.Hosts
	if slices.Contains(hosts, host) {
		return true
	}
	name, _, err := net.SplitHostPort(host)
	return err == nil && slices.Contains(hosts, name)
}

// key is a cache key for a response that names the base URL.
func (b base) key(name string) string {
	if b.FromRequest {
		return name + "|" + b.URL
	}
	return name
}

// unknownHostCacheControl is the Cache-Control of a response built for an
// unknown host.
const unknownHostCacheControl = "no-store"

// serveFor answers with the response called name for base b (see base
// for the host rule): from the cache for a known host. For any other,
// with fill, from one cached build for placeholderBase with the request's
// address put in: no render and no memory per made-up Host, and, like
// every cached page, the last build still answers while the store is
// away (built per request, summary.json answered 500 during a database
// outage). fill suits a response whose base URL and host may be replaced
// byte for byte (JSON: they hold only characters its strings carry
// unescaped); without it (the calendar folds its lines by length) the
// response is built for this request alone.
func (s *site) serveFor(c echo.Context, b base, name, contentType string, fill bool, build func(base) ([]byte, error)) error {
	if b.Known {
		return s.serve(c, b.key(name), contentType, pageCacheControl, func() ([]byte, error) { return build(b) })
	}
	render := func() ([]byte, error) { return build(b) }
	version := s.version()
	if fill {
		r, err := s.cache.get(name+"|unknown-host", version, s.d.Now(), contentType, func() ([]byte, error) { return build(placeholderBase) })
		if err != nil {
			return err
		}
		// The placeholder build may be the previous one (another request
		// is rebuilding it, or the store is away): what is filled from it
		// carries its version, so it is filled again once that is
		// rebuilt, instead of passing for current until refreshEvery.
		version = r.version
		render = func() ([]byte, error) {
			out := bytes.ReplaceAll(r.body, []byte(placeholderBase.URL), []byte(b.URL))
			return bytes.ReplaceAll(out, []byte(placeholderBase.Host), []byte(b.Host)), nil
		}
	}
	r, err := s.unlisted.get(b.key(name), version, s.d.Now(), contentType, render)
	if err != nil {
		return err
	}
	// Nor may a shared cache in front keep it: bytes naming a Host a
	// stranger chose must never be served to anyone else.
	c.Response().Header()["Cache-Control"] = hdrUnknownHostNoStore
	return sendCached(c, &r.sendable)
}

// publicBase is the base of site.public_url; Known is false without one.
func publicBase(publicURL string) base {
	u, err := url.Parse(publicURL)
	if publicURL == "" || err != nil || u.Host == "" {
		return base{}
	}
	return base{URL: strings.TrimSuffix(publicURL, "/"), Host: u.Hostname(), Known: true}
}

// feedLang is the language of a feed or the calendar, chosen as a
// page's is (a feed reader that sends no Accept-Language gets the site's
// language); each language is cached apart.
func (s *site) feedLang(c echo.Context) loc {
	addVary(c.Response().Header(), "Accept-Language")
	return s.langOf(c)
}

// placeholderBase stands for an unknown host in a cached build; the
// .invalid name (RFC 2606) cannot be anyone's real address.
var placeholderBase = base{URL: "http://unknown-host.ampel.invalid", Host: "unknown-host.ampel.invalid"}

// tag is an entry's id: the host, the date the entry was written (so the
// id stays valid as a tag URI) and what it is.
func (b base) tag(written time.Time, what string) string {
	return "tag:" + b.Host + "," + written.UTC().Format("2006-01-02") + ":" + what
}

// feedEntries reads the latest updates of published incidents, of
// windows and the published postmortems, newest first, at most
// feedLimit.
func (s *site) feedEntries(ctx context.Context, b base, l loc) ([]feedEntry, error) {
	if s.d.Store == nil {
		return nil, nil
	}
	incs, err := s.d.Store.RecentIncidentUpdates(ctx, feedLimit)
	if err != nil {
		return nil, err
	}
	wins, err := s.d.Store.RecentMaintenanceUpdates(ctx, feedLimit)
	if err != nil {
		return nil, err
	}
	pms, err := s.d.Store.RecentPostmortems(ctx, feedLimit)
	if err != nil {
		return nil, err
	}
	out := make([]feedEntry, 0, len(incs)+len(wins)+len(pms))
	for _, e := range incs {
		id := idString(e.IncidentID)
		out = append(out, feedEntry{
			ID:    b.tag(e.Update.Created, "incident-"+id+"-update-"+idString(e.Update.ID)),
			Title: e.IncidentName + " — " + l.Status(e.Update.Status),
			Link:  l.href(b.URL + "/incidents/" + id), At: e.Update.At, HTML: s.feedHTML(e.Update.Body),
		})
	}
	for _, e := range wins {
		id := idString(e.MaintenanceID)
		out = append(out, feedEntry{
			ID:    b.tag(e.Update.Created, "maintenance-"+id+"-update-"+idString(e.Update.ID)),
			Title: e.MaintenanceName + " — " + l.Status(e.Update.Status),
			Link:  l.href(b.URL + "/maintenance/" + id), At: e.Update.At, HTML: s.feedHTML(e.Update.Body),
		})
	}
	for _, inc := range pms {
		id := idString(inc.ID)
		out = append(out, feedEntry{
			ID:    b.tag(inc.Created, "incident-"+id+"-postmortem"),
			Title: inc.Name + " — " + l.Status("postmortem"),
			Link:  l.href(b.URL + "/incidents/" + id), At: inc.PostmortemAt, HTML: s.feedHTML(inc.Postmortem),
		})
	}
	slices.SortStableFunc(out, func(a, b feedEntry) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out[:min(len(out), feedLimit)], nil
}

// feedHTML is the sanitised HTML of an update, escaped once more by the
// XML encoder.
func (s *site) feedHTML(src string) string {
	return strings.TrimSpace(string(s.render(src)))
}

// feedUpdated is when the feed last changed: its newest entry, or when
// serving began.
func (s *site) feedUpdated(es []feedEntry) time.Time {
	if len(es) > 0 {
		return es[0].At
	}
	return s.d.Started
}
