package ui

import "container/list"

// cacheOrder orders a cache's entries for eviction in two segments: an entry
// enters on probation and is protected once used again. Eviction takes
// the least recently used on probation first, so a stream of keys asked
// for once (made-up incident ids, one-off hosts) only cycles among
// themselves, and the pages people keep reading (the front page) stay.
// The protected segment holds at most protectedShare of the bytes; its
// least recently used entries go back on probation past that.
type cacheOrder struct {
	probation, protected  list.List // of *cacheEntry, most recent first
	bytes, protectedBytes int64
}

// protectedShare is the part of the cache's bytes the protected segment
// may hold, in percent.
const protectedShare = 80

// entryOverhead is what an entry costs besides its bodies (the key, the
// structs, the list element), roughly.
const entryOverhead = 256

// size is what a response costs the cache.
func (r *rendered) size() int64 {
	return int64(r.sendable.size()) + entryOverhead
}

// add puts a new entry on probation.
func (l *cacheOrder) add(e *cacheEntry) {
	e.elem = l.probation.PushFront(e)
	e.size = entryOverhead
	l.bytes += e.size
}

// touch records a use of e: protected from now on, most recent first.
func (l *cacheOrder) touch(e *cacheEntry, maxBytes int64) {
	if e.protected {
		l.protected.MoveToFront(e.elem)
		return
	}
	l.probation.Remove(e.elem)
	e.elem, e.protected = l.protected.PushFront(e), true
	l.protectedBytes += e.size
	for l.protectedBytes > maxBytes*protectedShare/100 && l.protected.Len() > 1 {
		l.demote(l.protected.Back().Value.(*cacheEntry))
	}
}

// demote puts a protected entry back on probation, as its most recent.
func (l *cacheOrder) demote(e *cacheEntry) {
	l.protected.Remove(e.elem)
	l.protectedBytes -= e.size
	e.elem, e.protected = l.probation.PushFront(e), false
}

// remove takes e out of the lists.
func (l *cacheOrder) remove(e *cacheEntry) {
	if e.protected {
		l.protected.Remove(e.elem)
		l.protectedBytes -= e.size
	} else {
		l.probation.Remove(e.elem)
	}
	l.bytes -= e.size
	e.elem = nil
}

// resize records that e now costs size bytes.
func (l *cacheOrder) resize(e *cacheEntry, size int64) {
	l.bytes += size - e.size
	if e.protected {
		l.protectedBytes += size - e.size
	}
	e.size = size
}

// victim is the entry to evict next, other than keep: the least recently
// used on probation, else the least recently used protected one.
func (l *cacheOrder) victim(keep *cacheEntry) *cacheEntry {
	for _, seg := range []*list.List{&l.probation, &l.protected} {
		for el := seg.Back(); el != nil; el = el.Prev() {
			if e := el.Value.(*cacheEntry); e != keep {
				return e
			}
		}
	}
	return nil
}

// forget drops e from the cache, if it is still there. Called with c.mu
// held.
func (c *cache) forget(e *cacheEntry) {
	if c.entries[e.key] != e || e.elem == nil {
		return
	}
	delete(c.entries, e.key)
	c.order.remove(e)
}

// sized records e's new size and evicts least recently used entries until
// the cache fits its bound again. A response larger than the whole bound
// is served but not kept. Called with c.mu held.
func (c *cache) sized(e *cacheEntry, size int64) {
	if c.entries[e.key] != e || e.elem == nil {
		return // evicted while it was built
	}
	c.order.resize(e, size)
	if size > c.maxBytes {
		c.forget(e)
		return
	}
	for c.order.bytes > c.maxBytes {
		v := c.order.victim(e)
		if v == nil {
			return
		}
		c.forget(v)
	}
}

// used is how many bytes the cache holds.
func (c *cache) used() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.bytes
}

// peek returns key's response without counting a use, or nil.
func (c *cache) peek(key string) *rendered {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[key]; e != nil {
		return e.r.Load()
	}
	return nil
}
