// Package cache is the edge's in-memory object cache: a least-recently-used
// store bounded in bytes, whose entries live for the freshness lifetime
// the origin gave them (Lifetime reads Cache-Control), with request
// coalescing (one origin fetch for any number of concurrent misses of a
// key) and serve-stale-on-error (an expired entry answers, within a stale
// window, while the origin fails).
//
// The cache does no I/O: callers pass a fetch function, and decide what a
// key means (the edge keys media by path and rewritten masters by path and
// caps).
package cache

import (
	"container/list"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Defaults for zero Options fields.
const (
	DefaultMaxBytes       = 256 << 20
	DefaultMaxObjectBytes = 8 << 20
	DefaultStaleWindow    = 10 * time.Minute
)

// entryOverhead approximates the bytes an entry costs beyond its key, body
// and headers (list element, map slot, object header).
const entryOverhead = 200

// Header is one response header stored with an object.
type Header struct{ Name, Value string }

// Object is a response as the cache stores and replays it. Objects are
// shared between requests and must not be modified once given to the cache.
type Object struct {
	// Status is the HTTP status code.
	Status int
	// Header holds the response headers to replay (Content-Type, ETag, …).
	Header []Header
	// Body is the whole body.
	Body []byte
	// TTL is the freshness lifetime; zero or negative means the object is
	// not stored (it is still handed to every coalesced caller).
	TTL time.Duration
}

// State says where a Result came from; String gives the X-Cache value.
type State uint8

// States.
const (
	// Miss: fetched from the origin for this request (or a coalesced one).
	Miss State = iota
	// Hit: a fresh stored object.
	Hit
	// Stale: an expired stored object, served because the origin failed.
	Stale
)

// String returns "MISS", "HIT" or "STALE".
func (s State) String() string {
	switch s {
	case Hit:
		return "HIT"
	case Stale:
		return "STALE"
	default:
		return "MISS"
	}
}

// Result is an object with where it came from.
type Result struct {
	*Object
	State State
	// Age is how long ago the object was fetched (zero for a Miss).
	Age time.Duration
}

// Options configure a Cache.
type Options struct {
	// MaxBytes bounds the stored bytes (keys, bodies, headers and a fixed
	// per-entry overhead); 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxObjectBytes is the largest body stored; bigger objects are passed
	// on uncached. 0 means DefaultMaxObjectBytes.
	MaxObjectBytes int
	// StaleWindow is how long after expiry an object may still be served
	// while the origin fails; 0 means DefaultStaleWindow, negative never.
	StaleWindow time.Duration
	// Now is the clock freshness is judged by; nil means time.Now.
	Now func() time.Time
}

// Stats are counters since New.
type Stats struct {
	Hits, Misses, Stale uint64 // results by State
	Fetches             uint64 // fetch function calls
	Evictions           uint64 // entries dropped to make room
	Entries             int    // entries stored now
	Bytes               int64  // bytes stored now
}

// entry is a stored object.
type entry struct {
	key     string
	obj     *Object
	stored  time.Time
	expires time.Time
	size    int64
}

// Cache is an in-memory object cache. It is safe for concurrent use.
type Cache struct {
	opts  Options
	group singleflight.Group

	mu    sync.Mutex // guards items, lru and bytes
	items map[string]*list.Element
	lru   *list.List // of *entry, most recently used first
	bytes int64

	hits, misses, stale, fetches, evictions atomic.Uint64
}

// New returns an empty cache.
func New(opts Options) *Cache {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxObjectBytes <= 0 {
		opts.MaxObjectBytes = DefaultMaxObjectBytes
	}
	switch {
	case opts.StaleWindow == 0:
		opts.StaleWindow = DefaultStaleWindow
	case opts.StaleWindow < 0:
		opts.StaleWindow = 0
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{opts: opts, items: make(map[string]*list.Element), lru: list.New()}
}

// Get returns the fresh object stored under key, if any, as a Hit.
func (c *Cache) Get(key string) (Result, bool) {
	r, ok := c.lookup(key, false)
	if ok {
		c.hits.Add(1)
	}
	return r, ok
}

// lookup finds key; with stale it also returns an expired entry within the
// stale window. Entries past the stale window are removed.
func (c *Cache) lookup(key string, stale bool) (Result, bool) {
	now := c.opts.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return Result{}, false
	}
	e := el.Value.(*entry)
	switch {
	case now.Before(e.expires):
		c.lru.MoveToFront(el)
		return Result{Object: e.obj, State: Hit, Age: max(now.Sub(e.stored), 0)}, true
	case now.Sub(e.expires) > c.opts.StaleWindow:
		c.remove(el)
		return Result{}, false
	case stale:
		c.lru.MoveToFront(el)
		return Result{Object: e.obj, State: Stale, Age: max(now.Sub(e.stored), 0)}, true
	}
	return Result{}, false
}

// ErrNoObject reports a fetch function that returned neither an object
// nor an error.
var ErrNoObject = errors.New("cache: fetch returned no object")

// Fetch returns the object for key: a fresh stored one (Hit); else the
// result of fetch, called once for all concurrent callers of Fetch with
// this key (Miss), stored if its TTL is positive, its status below 500 and
// its body within MaxObjectBytes. If fetch fails or answers a 5xx status
// and an expired object within the stale window is stored, that object is
// returned instead (Stale). Otherwise fetch's object (a 5xx) or error is
// returned.
//
// fetch runs on the goroutine of the first caller; it should not depend on
// that caller's request context, since other callers share its result.
func (c *Cache) Fetch(key string, fetch func() (*Object, error)) (Result, error) {
	if r, ok := c.Get(key); ok {
		return r, nil
	}
	v, err, _ := c.group.Do(key, func() (any, error) {
		// Filled while this caller waited for an earlier flight?
		if r, ok := c.lookup(key, false); ok {
			return r, nil
		}
		c.fetches.Add(1)
		obj, err := fetch()
		if err == nil && obj == nil {
			err = ErrNoObject
		}
		if err == nil && obj.Status < 500 {
			c.put(key, obj)
			return Result{Object: obj, State: Miss}, nil
		}
		if r, ok := c.lookup(key, true); ok {
			return r, nil
		}
		if err != nil {
			return Result{}, err
		}
		return Result{Object: obj, State: Miss}, nil
	})
	if err != nil {
		c.misses.Add(1)
		return Result{}, err
	}
	r := v.(Result)
	switch r.State {
	case Hit:
		c.hits.Add(1)
	case Stale:
		c.stale.Add(1)
	default:
		c.misses.Add(1)
	}
	return r, nil
}

// put stores obj under key if it may be stored, evicting the least
// recently used entries to make room.
func (c *Cache) put(key string, obj *Object) {
	if obj.TTL <= 0 || len(obj.Body) > c.opts.MaxObjectBytes {
		return
	}
	size := int64(len(key) + len(obj.Body) + entryOverhead)
	for _, h := range obj.Header {
		size += int64(len(h.Name) + len(h.Value))
	}
	if size > c.opts.MaxBytes {
		return
	}
	now := c.opts.Now()
	e := &entry{key: key, obj: obj, stored: now, expires: now.Add(obj.TTL), size: size}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	for c.bytes+size > c.opts.MaxBytes {
		c.remove(c.lru.Back())
		c.evictions.Add(1)
	}
	c.items[key] = c.lru.PushFront(e)
	c.bytes += size
}

// remove drops el; c.mu must be held.
func (c *Cache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*entry)
	delete(c.items, e.key)
	c.bytes -= e.size
}

// Stats returns the counters and the current size.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	n, b := len(c.items), c.bytes
	c.mu.Unlock()
	return Stats{
		Hits: c.hits.Load(), Misses: c.misses.Load(), Stale: c.stale.Load(),
		Fetches: c.fetches.Load(), Evictions: c.evictions.Load(), Entries: n, Bytes: b,
	}
}
