package ui

import "container/list"

// lru is a map of at most max entries that drops the one used least
// recently to make room. Not safe for concurrent use.
type lru[V any] struct {
	max   int
	items map[string]*list.Element
	order *list.List // front: used most recently
}

type lruItem[V any] struct {
	key string
	v   V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, items: map[string]*list.Element{}, order: list.New()}
}

// peek returns the entry of key, or nil, without counting it as a use.
func (c *lru[V]) peek(key string) *V {
	if el, ok := c.items[key]; ok {
		return &el.Value.(*lruItem[V]).v
	}
	return nil
}

// use returns the entry of key, making a zero one (fresh) if there is
// none, and marks it used most recently. To make room it drops the entry
// used least recently that spare (if not nil) does not protect, or the
// oldest of all when every entry is protected.
func (c *lru[V]) use(key string, spare func(*V) bool) (v *V, fresh bool) {
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return &el.Value.(*lruItem[V]).v, false
	}
	if c.order.Len() >= c.max {
		drop := c.order.Back()
		for el := drop; spare != nil && el != nil; el = el.Prev() {
			if !spare(&el.Value.(*lruItem[V]).v) {
				drop = el
				break
			}
		}
		c.order.Remove(drop)
		delete(c.items, drop.Value.(*lruItem[V]).key)
	}
	it := &lruItem[V]{key: key}
	c.items[key] = c.order.PushFront(it)
	return &it.v, true
}

func (c *lru[V]) len() int { return c.order.Len() }
