// Package cache is the origin's Redis cache-aside for catalog reads: values
// are serialized responses kept as bytes under versioned keys
// catalog:<generation>:<key>, the generation lives in catalog:v and every
// catalog write increments it. One loader runs per cold key
// (singleflight), TTLs are jittered, and Redis calls have short deadlines
// and a breaker so a slow or dead Redis degrades to the loader (MySQL)
// instead of stalling requests.
package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// Defaults of Options fields.
const (
	DefaultReadTimeout   = 50 * time.Millisecond
	DefaultWriteTimeout  = 100 * time.Millisecond
	DefaultGenerationTTL = time.Second
	DefaultBreakerPause  = time.Second
	DefaultLoadTimeout   = 5 * time.Second
)

// GenerationKey is the Redis key (below the prefix) of the cache generation.
const GenerationKey = "catalog:v"

// Options tune a Cache; zero fields take the defaults.
type Options struct {
	// ReadTimeout bounds each Redis read.
	ReadTimeout time.Duration
	// WriteTimeout bounds each Redis write.
	WriteTimeout time.Duration
	// GenerationTTL is how long the generation is remembered locally
	// before Redis is asked again.
	GenerationTTL time.Duration
	// BreakerPause is how long Redis is skipped after a failed call.
	BreakerPause time.Duration
	// LoadTimeout bounds a loader (it runs detached from the request that
	// started it, since others wait on it).
	LoadTimeout time.Duration
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
	// Logger receives Redis failures (rate-limited by the breaker). If nil,
	// slog.Default().
	Logger *slog.Logger
}

// Cache is a versioned Redis cache-aside. It is safe for concurrent use.
type Cache struct {
	rdb    *redis.Client
	prefix string
	opt    Options
	sf     singleflight.Group
	local  local // GetAll's in-process copies (multi.go)

	mu        sync.Mutex // guards the fields below
	gen       int64
	genAt     time.Time
	downUntil time.Time
}

// New returns a Cache over rdb with keys under prefix.
func New(rdb *redis.Client, prefix string, opt Options) *Cache {
	if opt.ReadTimeout <= 0 {
		opt.ReadTimeout = DefaultReadTimeout
	}
	if opt.WriteTimeout <= 0 {
		opt.WriteTimeout = DefaultWriteTimeout
	}
	if opt.GenerationTTL <= 0 {
		opt.GenerationTTL = DefaultGenerationTTL
	}
	if opt.BreakerPause <= 0 {
		opt.BreakerPause = DefaultBreakerPause
	}
	if opt.LoadTimeout <= 0 {
		opt.LoadTimeout = DefaultLoadTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Cache{rdb: rdb, prefix: prefix, opt: opt}
}

// ErrUnavailable means Redis is skipped or failed; callers of Bump should
// treat the write as done but the caches as possibly stale until their TTL.
var ErrUnavailable = errors.New("cache unavailable")

// up reports whether Redis may be tried now.
func (c *Cache) up() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.opt.Now().Before(c.downUntil)
}

// trip opens the breaker after a failed Redis call.
func (c *Cache) trip(op string, err error) {
	c.mu.Lock()
	first := !c.opt.Now().Before(c.downUntil)
	c.downUntil = c.opt.Now().Add(c.opt.BreakerPause)
	c.mu.Unlock()
	if first {
		c.opt.Logger.Warn("cache: redis failed; serving from the database", "op", op, "err", err)
	}
}

// Generation returns the current cache generation, asking Redis at most
// once per GenerationTTL; while Redis is unavailable the last known one.
func (c *Cache) Generation(ctx context.Context) int64 {
	c.mu.Lock()
	gen, fresh := c.gen, c.opt.Now().Sub(c.genAt) < c.opt.GenerationTTL && !c.genAt.IsZero()
	c.mu.Unlock()
	if fresh || !c.up() {
		return gen
	}
	v, err, _ := c.sf.Do("\x00gen", func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opt.ReadTimeout)
		defer cancel()
		s, err := c.rdb.Get(rctx, c.prefix+GenerationKey).Result()
		if errors.Is(err, redis.Nil) {
			return int64(0), nil
		}
		if err != nil {
			return nil, err
		}
		return strconv.ParseInt(s, 10, 64)
	})
	if err != nil {
		c.trip("get generation", err)
		return gen
	}
	n := v.(int64)
	c.mu.Lock()
	if n >= c.gen {
		c.gen = n
	}
	c.genAt = c.opt.Now()
	gen = c.gen
	c.mu.Unlock()
	return gen
}

// Bump starts a new generation, so every cached read is reloaded. Every
// catalog write calls it after committing.
func (c *Cache) Bump(ctx context.Context) error {
	rctx, cancel := context.WithTimeout(ctx, c.opt.WriteTimeout)
	defer cancel()
	n, err := c.rdb.Incr(rctx, c.prefix+GenerationKey).Result()
	if err != nil {
		c.trip("bump generation", err)
		return fmt.Errorf("%w: bump: %v", ErrUnavailable, err)
	}
	c.mu.Lock()
	if n > c.gen {
		c.gen = n
	}
	c.genAt = c.opt.Now()
	c.mu.Unlock()
	return nil
}

func (c *Cache) fullKey(gen int64, key string) string {
	return c.prefix + "catalog:" + strconv.FormatInt(gen, 10) + ":" + key
}

// Jitter returns ttl plus or minus up to a tenth, so keys filled together
// do not expire together.
func Jitter(ttl time.Duration) time.Duration {
	span := int64(ttl / 5)
	if span <= 0 {
		return ttl
	}
	return ttl - ttl/10 + time.Duration(rand.Int64N(span))
}

// Get returns the bytes cached under key in the current generation or, on
// a miss, runs load once for all concurrent callers of the key, caches its
// result for about ttl and returns it. Redis failures are not errors: the
// loader answers.
func (c *Cache) Get(ctx context.Context, key string, ttl time.Duration, load func(context.Context) ([]byte, error)) ([]byte, error) {
	full := c.fullKey(c.Generation(ctx), key)
	if b, ok := c.read(ctx, full); ok {
		return b, nil
	}
	v, err, _ := c.sf.Do(full, func() (any, error) {
		// A caller that missed just before the previous load stored its
		// value finds it here instead of loading again.
		if b, ok := c.read(ctx, full); ok {
			return b, nil
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opt.LoadTimeout)
		defer cancel()
		b, err := load(lctx)
		if err != nil {
			return nil, err
		}
		c.write(lctx, full, b, Jitter(ttl))
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

func (c *Cache) read(ctx context.Context, full string) ([]byte, bool) {
	if !c.up() {
		return nil, false
	}
	rctx, cancel := context.WithTimeout(ctx, c.opt.ReadTimeout)
	defer cancel()
	b, err := c.rdb.Get(rctx, full).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false
	}
	if err != nil {
		c.trip("get", err)
		return nil, false
	}
	return b, true
}

func (c *Cache) write(ctx context.Context, full string, b []byte, ttl time.Duration) {
	if !c.up() {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, c.opt.WriteTimeout)
	defer cancel()
	if err := c.rdb.Set(wctx, full, b, ttl).Err(); err != nil {
		c.trip("set", err)
	}
}

// Delete drops key from the current generation (used for per-profile
// entries that a write of that profile changes).
func (c *Cache) Delete(ctx context.Context, key string) error {
	if !c.up() {
		return ErrUnavailable
	}
	full := c.fullKey(c.Generation(ctx), key)
	wctx, cancel := context.WithTimeout(ctx, c.opt.WriteTimeout)
	defer cancel()
	if err := c.rdb.Del(wctx, full).Err(); err != nil {
		c.trip("del", err)
		return fmt.Errorf("%w: del: %v", ErrUnavailable, err)
	}
	return nil
}
