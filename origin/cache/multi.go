package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// StampTTL is how long a scope's write stamp lives after its last write.
// It must exceed any entry's TTL plus the load timeout, so a stamp that
// expires and restarts from zero never matches a live entry.
const StampTTL = time.Hour

// LocalTTL is how long GetAll keeps an unscoped value in process memory,
// as long as the generation is remembered (GenerationTTL): a catalog
// write reaches every process within about that time either way.
const LocalTTL = time.Second

// maxLocal bounds the values kept in process memory.
const maxLocal = 256

type localEntry struct {
	v  Value
	at time.Time
}

// local is GetAll's in-process copy of unscoped values (shared rows, a few
// per maturity ceiling), keyed by their full versioned key.
type local struct {
	mu sync.Mutex
	m  map[string]localEntry
}

func (l *local) get(full string, now time.Time) (Value, bool) {
	l.mu.Lock()
	e, ok := l.m[full]
	l.mu.Unlock()
	if !ok || now.Sub(e.at) >= LocalTTL || now.Before(e.at) {
		return Value{}, false
	}
	return e.v, true
}

func (l *local) put(full string, v Value, now time.Time) {
	l.mu.Lock()
	if l.m == nil || len(l.m) >= maxLocal {
		l.m = make(map[string]localEntry)
	}
	l.m[full] = localEntry{v, now}
	l.mu.Unlock()
}

// Entry is one read of GetAll.
type Entry struct {
	// Key is the cache key (below catalog:<generation>:).
	Key string
	// Scope, if not empty, versions the entry by the scope's write stamp
	// (catalog:stamp:<scope>): a value loaded before a BumpScope of the
	// scope is never served after it, even if its loader stored it late.
	Scope string
	// TTL is the entry's lifetime (jittered).
	TTL time.Duration
	// Load builds the value on a miss.
	Load func(context.Context) ([]byte, error)
}

// Value is a cached value with the strong ETag of its bytes, computed
// once when the value was stored.
type Value struct {
	Bytes []byte
	// ETag is the quoted entity tag of Bytes.
	ETag string
}

// ETag returns the strong entity tag of b: a quoted URL-safe base64 of the
// first 12 bytes of its SHA-256.
func ETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
}

func (c *Cache) stampKey(scope string) string { return c.prefix + "catalog:stamp:" + scope }

// BumpScope starts a new write stamp of scope, so entries of the scope
// loaded before it are reloaded. Writers call it after committing.
func (c *Cache) BumpScope(ctx context.Context, scope string) error {
	wctx, cancel := context.WithTimeout(ctx, c.opt.WriteTimeout)
	defer cancel()
	_, err := c.rdb.TxPipelined(wctx, func(p redis.Pipeliner) error {
		p.Incr(wctx, c.stampKey(scope))
		p.Expire(wctx, c.stampKey(scope), StampTTL)
		return nil
	})
	if err != nil {
		c.trip("bump scope", err)
		return fmt.Errorf("%w: bump scope: %v", ErrUnavailable, err)
	}
	return nil
}

// encode frames a stored value: "<stamp> <etag> <bytes>".
func encode(stamp string, v Value) []byte {
	out := make([]byte, 0, len(stamp)+len(v.ETag)+2+len(v.Bytes))
	out = append(out, stamp...)
	out = append(out, ' ')
	out = append(out, v.ETag...)
	out = append(out, ' ')
	return append(out, v.Bytes...)
}

// decode splits a stored value; ok is false when it is malformed.
func decode(b []byte) (stamp []byte, v Value, ok bool) {
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return nil, Value{}, false
	}
	j := bytes.IndexByte(b[i+1:], ' ')
	if j < 0 {
		return nil, Value{}, false
	}
	return b[:i], Value{ETag: string(b[i+1 : i+1+j]), Bytes: b[i+2+j:]}, true
}

// GetAll reads entries in one Redis round trip (their values and the write
// stamps of their scopes) and loads the misses as Get does, one loader per
// cold key. A loader's value is stored with the stamp read before it ran.
// Unscoped values read from Redis are kept in process memory for
// LocalTTL (within the current generation). Redis failures are not
// errors: the loaders answer. The returned bytes must not be modified.
func (c *Cache) GetAll(ctx context.Context, entries []Entry) ([]Value, error) {
	gen := c.Generation(ctx)
	now := c.opt.Now()
	out := make([]Value, len(entries))
	full := make([]string, len(entries))
	// Redis keys to read: entries not in process memory, then the stamps
	// of their scopes.
	var keys []string
	at := make([]int, len(entries)) // index in keys, -1 when local
	stampAt := make([]int, len(entries))
	for i, e := range entries {
		full[i] = c.fullKey(gen, e.Key)
		at[i], stampAt[i] = -1, -1
		if e.Scope == "" {
			if v, ok := c.local.get(full[i], now); ok {
				out[i] = v
				continue
			}
		}
		at[i] = len(keys)
		keys = append(keys, full[i])
	}
	for i, e := range entries {
		if at[i] >= 0 && e.Scope != "" {
			stampAt[i] = len(keys)
			keys = append(keys, c.stampKey(e.Scope))
		}
	}
	if len(keys) == 0 {
		return out, nil
	}
	got := make([]any, len(keys))
	redisOK := false
	if c.up() {
		rctx, cancel := context.WithTimeout(ctx, c.opt.ReadTimeout)
		res, err := c.rdb.MGet(rctx, keys...).Result()
		cancel()
		if err != nil {
			c.trip("mget", err)
		} else {
			got, redisOK = res, true
		}
	}
	for i, e := range entries {
		if at[i] < 0 {
			continue
		}
		stamp := "0"
		if stampAt[i] >= 0 {
			if s, ok := got[stampAt[i]].(string); ok {
				stamp = s
			}
		}
		var (
			v   Value
			hit bool
		)
		if s, ok := got[at[i]].(string); ok {
			var st []byte
			st, v, hit = decode([]byte(s))
			hit = hit && string(st) == stamp
		}
		if !hit {
			var err error
			if v, err = c.load(ctx, full[i], stamp, e, redisOK); err != nil {
				return nil, err
			}
		}
		if e.Scope == "" && redisOK {
			c.local.put(full[i], v, now)
		}
		out[i] = v
	}
	return out, nil
}

// load runs e's loader once for all concurrent callers of the key and
// stamp, and stores the value when Redis answered the read.
func (c *Cache) load(ctx context.Context, full, stamp string, e Entry, store bool) (Value, error) {
	v, err, _ := c.sf.Do(full+"\x00"+stamp, func() (any, error) {
		// A caller that missed just before the previous load stored its
		// value finds it here instead of loading again.
		if b, ok := c.read(ctx, full); store && ok {
			if st, v, ok := decode(b); ok && string(st) == stamp {
				return v, nil
			}
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opt.LoadTimeout)
		defer cancel()
		b, err := e.Load(lctx)
		if err != nil {
			return nil, err
		}
		v := Value{Bytes: b, ETag: ETag(b)}
		if store {
			c.write(lctx, full, encode(stamp, v), Jitter(e.TTL))
		}
		return v, nil
	})
	if err != nil {
		return Value{}, err
	}
	return v.(Value), nil
}
