package cache_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/cache"
)

// proxy forwards TCP to the test Redis until it is killed (connections
// refused and cut) or stalled (connections accepted, nothing forwarded).
type proxy struct {
	ln      net.Listener
	target  string
	stalled atomic.Bool
	mu      sync.Mutex // guards conns
	conns   []net.Conn
}

func newProxy(t *testing.T) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: testenv.RedisAddr()}
	go p.serve()
	t.Cleanup(p.kill)
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.track(c)
		if p.stalled.Load() {
			continue // hold the connection, answer nothing
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.track(up)
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

func (p *proxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// kill closes the listener and every connection: Redis is gone.
func (p *proxy) kill() {
	p.ln.Close()
	p.cut()
}

// stall cuts live connections and makes new ones hang.
func (p *proxy) stall() {
	p.stalled.Store(true)
	p.cut()
}

// client is configured like the origin's: short timeouts, one retry.
func client(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 250 * time.Millisecond,
		WriteTimeout: 250 * time.Millisecond, MaxRetries: 1})
	t.Cleanup(func() { c.Close() })
	return c
}

// healthy returns opt with Redis deadlines a busy test machine cannot hit,
// for the tests about a healthy Redis: with the default 50 ms read
// timeout a slow reply opens the breaker, and a caller after it loads
// again (by design, cache.Get), which is the Redis-failure tests' subject.
func healthy(opt cache.Options) cache.Options {
	opt.ReadTimeout, opt.WriteTimeout = 5*time.Second, 5*time.Second
	return opt
}

func TestGetLoadsOnceThenServesCachedBytes(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	c := cache.New(rdb, prefix, healthy(cache.Options{}))
	ctx := context.Background()
	var loads atomic.Int32
	load := func(context.Context) ([]byte, error) { loads.Add(1); return []byte(`{"v":1}`), nil }
	for range 3 {
		b, err := c.Get(ctx, "k", time.Minute, load)
		if err != nil || string(b) != `{"v":1}` {
			t.Fatal(string(b), err)
		}
	}
	if loads.Load() != 1 {
		t.Fatalf("loaded %d times", loads.Load())
	}
	ttl := rdb.TTL(ctx, prefix+"catalog:0:k").Val()
	if ttl < 50*time.Second || ttl > 70*time.Second {
		t.Fatalf("ttl %v not within the jitter of a minute", ttl)
	}
	if err := c.Bump(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "k", time.Minute, load); err != nil || loads.Load() != 2 {
		t.Fatalf("after bump: %d loads, %v", loads.Load(), err)
	}
	if got := rdb.Get(ctx, prefix+cache.GenerationKey).Val(); got != "1" {
		t.Fatalf("generation %q", got)
	}
	wantErr := errors.New("boom")
	if _, err := c.Get(ctx, "bad", time.Minute, func(context.Context) ([]byte, error) { return nil, wantErr }); !errors.Is(err, wantErr) {
		t.Fatalf("loader error %v", err)
	}
}

func TestGenerationSeenByOtherInstances(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a := cache.New(rdb, prefix, healthy(cache.Options{Now: clock, GenerationTTL: time.Second}))
	b := cache.New(rdb, prefix, healthy(cache.Options{Now: clock, GenerationTTL: time.Second}))
	ctx := context.Background()
	if g := b.Generation(ctx); g != 0 {
		t.Fatal(g)
	}
	a.Bump(ctx)
	if g := b.Generation(ctx); g != 0 {
		t.Fatalf("generation re-read before its local TTL: %d", g)
	}
	mu.Lock()
	now = now.Add(1100 * time.Millisecond)
	mu.Unlock()
	if g := b.Generation(ctx); g != 1 {
		t.Fatalf("generation %d after the local TTL", g)
	}
}

func TestJitter(t *testing.T) {
	for _, ttl := range []time.Duration{0, time.Nanosecond, time.Second, time.Hour} {
		for range 100 {
			j := cache.Jitter(ttl)
			if j < ttl-ttl/10 || j > ttl+ttl/10 {
				t.Fatalf("Jitter(%v) = %v", ttl, j)
			}
		}
	}
}

func TestRedisFailureDegradesToLoader(t *testing.T) {
	for _, mode := range []string{"killed", "stalled"} {
		t.Run(mode, func(t *testing.T) {
			_, prefix := testenv.Redis(t) // for the cleanup of the prefix
			p := newProxy(t)
			c := cache.New(client(t, p.ln.Addr().String()), prefix, cache.Options{})
			ctx := context.Background()
			var loads atomic.Int32
			load := func(context.Context) ([]byte, error) { loads.Add(1); return []byte("fresh"), nil }
			if _, err := c.Get(ctx, "k", time.Minute, load); err != nil {
				t.Fatal(err)
			}
			if mode == "killed" {
				p.kill()
			} else {
				p.stall()
			}
			var worst time.Duration
			for i := range 50 {
				start := time.Now()
				b, err := c.Get(ctx, "k", time.Minute, load)
				if d := time.Since(start); d > worst {
					worst = d
				}
				if err != nil || string(b) != "fresh" {
					t.Fatalf("read %d: %q %v", i, b, err)
				}
			}
			// At most one Redis deadline (50 ms read + 100 ms write) is paid
			// before the breaker skips Redis.
			if worst > 400*time.Millisecond {
				t.Fatalf("slowest read %v with Redis %s", worst, mode)
			}
			if loads.Load() < 2 {
				t.Fatalf("loader ran %d times", loads.Load())
			}
			if err := c.Bump(ctx); !errors.Is(err, cache.ErrUnavailable) {
				t.Fatalf("bump with Redis %s: %v", mode, err)
			}
		})
	}
}
