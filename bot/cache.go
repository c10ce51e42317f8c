package bot

import "sync"

// Cache keeps recent entries by question text, at most max of them, evicting the oldest; it is
// safe for concurrent use. The engine keeps its answers in one: answers come from read-only
// knowledge, so the same text always gets the same reply, and the hot questions ("530",
// "passive") skip parsing and searching. Adapters keep what they render from stable replies in
// another (see Reply.Stable): encoding a long answer costs far more than verifying the request
// that asked for it. Values are shared: nobody may modify one after Put.
type Cache[V any] struct {
	mu    sync.Mutex
	max   int
	items map[string]V
	order []string // insertion order, for eviction of the oldest
}

// maxCachedQuery bounds the questions worth caching: pasted logs are long and rarely repeated.
const maxCachedQuery = 256

// NewCache returns a cache of at most max entries.
func NewCache[V any](max int) *Cache[V] {
	return &Cache[V]{max: max, items: make(map[string]V, max)}
}

// Get returns the entry for key, if it is cached.
func (c *Cache[V]) Get(key string) (V, bool) {
	if c == nil || len(key) > maxCachedQuery {
		var zero V
		return zero, false
	}
	c.mu.Lock()
	v, ok := c.items[key]
	c.mu.Unlock()
	return v, ok
}

// Put stores the entry for key, unless the key is too long to be worth it.
func (c *Cache[V]) Put(key string, v V) {
	if c == nil || c.max <= 0 || len(key) > maxCachedQuery {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.items[key] = v
	c.order = append(c.order, key)
}
