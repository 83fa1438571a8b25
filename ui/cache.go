package ui

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pageCacheControl lets a CDN and browsers keep a page briefly and serve a
// stale copy while fetching a fresh one: during an outage the crowd is
// served from caches, and the origin renders a page once per state change.
const pageCacheControl = "public, max-age=10, stale-while-revalidate=30, stale-if-error=300"

// refreshEvery bounds how old a cached page may grow while nothing
// changes, for its relative times and today's bar.
const refreshEvery = time.Minute

// Builds settle in a large fleet (issue 18): at 100,000 checks the
// state changes many times a second, and / at 1,000 components costs a
// fifth of a second of CPU to build, summary.json a tenth, so rebuilding
// them at every state version keeps a core busy for the pages a crowd
// reads. On a site of settleComponents or more, a response is built for
// a newer state only once settleTimes its last build's cost (at most
// maxSettle) has passed since, the previous build answering meanwhile:
// each response's rebuilds take at most a tenth of a core, and a page
// lags the state by nine times its cost (the live events move the banner
// and the rows at once). A smaller site's builds, whose cost is no more
// than the machine's load makes it, are made at every state; an
// operator's edit shows at once either way.
const (
	settleComponents = 100
	settleTimes      = 9
	maxSettle        = 10 * time.Second
)

// stamp is what a response is built from: the state's revision, which
// moves with every observed change, and the operators' edits.
type stamp struct{ state, edits uint64 }

// rendered is a response body built once and served many times.
type rendered struct {
	sendable
	version stamp     // what it was built from
	built   time.Time // by the site's clock
	// cost is how long the build took, and done when it ended, by the
	// machine's clock: what settles a build (see settleComponents).
	cost time.Duration
	done time.Time
}

// cache holds rendered responses by key. A key is rebuilt when the state
// version differs from its build's (once the build has settled, see
// settleComponents) or the build is older than refreshEvery. One request rebuilds; meanwhile the others get the
// previous build at once rather than waiting or rendering too (only the
// very first build is waited for). It holds at most maxBytes of
// responses, evicting the least recently used (see cache_lru.go).
type cache struct {
	mu       sync.Mutex
	entries  map[string]*cacheEntry // guarded by mu
	order    cacheOrder             // guarded by mu
	maxBytes int64
	// settles: builds settle (see settleComponents). Set before use.
	settles bool
	// builds counts the responses built, for benchmarks and tests.
	builds atomic.Uint64
}

type cacheEntry struct {
	key   string
	build sync.Mutex // held while building
	r     atomic.Pointer[rendered]
	// The entry's place in the LRU lists; guarded by cache.mu.
	elem      *list.Element
	size      int64
	protected bool
}

// newCache returns a cache holding at most maxBytes of responses.
func newCache(maxBytes int64) *cache {
	return &cache{entries: map[string]*cacheEntry{}, maxBytes: maxBytes}
}

// Bounds of the site's caches. Keys come from config and the store
// (component slugs, incident ids, known hosts), but a stranger may ask
// for every incident there is: the bound is in bytes, so memory stays
// bounded whatever the keys, and eviction takes the least recently used.
const (
	pagesCacheBytes    = 64 << 20
	reportsCacheBytes  = 16 << 20
	unlistedCacheBytes = 4 << 20
)

// fresh reports whether r may answer at version and now; settles says
// whether builds settle (see settleComponents).
func (r *rendered) fresh(version stamp, now time.Time, settles bool) bool {
	if r == nil || r.version.edits != version.edits || now.Sub(r.built) >= refreshEvery || now.Before(r.built) {
		return false
	}
	return r.version.state == version.state || settles && r.settling()
}

// settling reports whether the build is too recent, for its cost, to be
// made again for a newer state (see settleComponents).
func (r *rendered) settling() bool {
	return time.Since(r.done) < min(settleTimes*r.cost, maxSettle)
}

// get returns the cached response for key, rebuilding it with build when
// stale.
func (c *cache) get(key string, version stamp, now time.Time, contentType string, build func() ([]byte, error)) (*rendered, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok {
		c.order.touch(e, c.maxBytes)
	} else {
		e = &cacheEntry{key: key}
		c.entries[key] = e
		c.order.add(e)
	}
	c.mu.Unlock()

	if r := e.r.Load(); r.fresh(version, now, c.settles) {
		return r, nil
	}
	if !e.build.TryLock() {
		if r := e.r.Load(); r != nil {
			return r, nil // being rebuilt: the previous build will do
		}
		e.build.Lock()
	}
	defer e.build.Unlock()
	if r := e.r.Load(); r.fresh(version, now, c.settles) {
		return r, nil
	}
	c.builds.Add(1)
	r, err := renderNow(version, now, contentType, build)
	if err != nil {
		// While the store is away (a database failover, say) the page
		// everyone reads is the last one built, with its own "updated"
		// time: a status page must not answer 500 because its own
		// database is down. The next request tries the build again.
		if prev := e.r.Load(); prev != nil {
			return prev, nil
		}
		// A key that never built (an unknown incident id, say) must not
		// hold a slot: a stranger asking for many would otherwise push
		// out the pages everyone reads.
		c.mu.Lock()
		c.forget(e)
		c.mu.Unlock()
		return nil, err
	}
	e.r.Store(r)
	c.mu.Lock()
	c.sized(e, r.size())
	c.mu.Unlock()
	return r, nil
}

// renderNow builds a response without caching it.
func renderNow(version stamp, now time.Time, contentType string, build func() ([]byte, error)) (*rendered, error) {
	began := time.Now()
	body, err := build()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	r := &rendered{
		sendable: newSendable(body, gzipBytes(body), contentType, `"`+hex.EncodeToString(sum[:12])+`"`),
		version:  version, built: now,
	}
	r.done = time.Now()
	r.cost = r.done.Sub(began)
	return r, nil
}

func acceptsGzip(ae string) bool {
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

// etagMatch reports whether an If-None-Match header names one of tags
// (weakly: a W/ prefix, as proxies add after recompressing, still counts).
func etagMatch(header string, tags ...string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for part := range strings.SplitSeq(header, ",") {
		p := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		for _, t := range tags {
			if p == t {
				return true
			}
		}
	}
	return false
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}
