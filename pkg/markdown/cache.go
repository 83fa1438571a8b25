package markdown

import (
	"crypto/sha256"
	"html/template"
	"sync"
)

// Cache renders each distinct text once. Stored updates never change, so
// their HTML need not be rebuilt for every page view or for every
// subscriber's mail, and a slow pathological text costs its rendering
// time once. It holds at most max texts and starts over when full, which
// is cheaper than tracking use. Safe for concurrent use.
type Cache struct {
	mu   sync.Mutex
	max  int
	html map[[sha256.Size]byte]template.HTML
}

// NewCache returns a cache of at most max rendered texts.
func NewCache(max int) *Cache {
	return &Cache{max: max, html: map[[sha256.Size]byte]template.HTML{}}
}

// Render returns the safe HTML of src, as the package's Render does.
func (c *Cache) Render(src string) (template.HTML, error) {
	key := sha256.Sum256([]byte(src))
	c.mu.Lock()
	h, ok := c.html[key]
	c.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := Render(src)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	if len(c.html) >= c.max {
		clear(c.html)
	}
	c.html[key] = h
	c.mu.Unlock()
	return h, nil
}

// Len returns how many rendered texts the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.html)
}
