package ratelimit

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/internal/testenv"
)

type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// closedPortRedis returns a client for a port nothing listens on.
func closedPortRedis(t *testing.T) *redis.Client {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestLimiter(t *testing.T) {
	live, prefix := testenv.Redis(t)
	backends := []struct {
		name  string
		rdb   *redis.Client
		local bool
	}{
		{"redis", live, false},
		{"redis down", closedPortRedis(t), true},
	}
	lim := PerMinute(60, 3)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			clk := &clock{t: time.Now()}
			l := New(b.rdb, prefix+b.name+":", clk.Now, nil)
			ctx := context.Background()
			for i := range 3 {
				r := l.Allow(ctx, "login", "1.2.3.4", lim)
				if !r.Allowed || r.Remaining != 2-i || r.Local != b.local {
					t.Fatalf("event %d: %+v", i, r)
				}
			}
			r := l.Allow(ctx, "login", "1.2.3.4", lim)
			if r.Allowed || r.RetryAfter <= 0 || r.RetryAfter > time.Second+50*time.Millisecond {
				t.Fatalf("4th event: %+v", r)
			}
			if r := l.Allow(ctx, "login", "5.6.7.8", lim); !r.Allowed {
				t.Fatalf("other key limited: %+v", r)
			}
			if r := l.AllowN(ctx, "login", "9.9.9.9", lim, 0); !r.Allowed || r.Remaining != 3 {
				t.Fatalf("peek: %+v", r)
			}
			if b.local {
				// The fallback follows the injected clock.
				clk.Add(1100 * time.Millisecond)
				if r := l.Allow(ctx, "login", "1.2.3.4", lim); !r.Allowed {
					t.Fatalf("after a second: %+v", r)
				}
			}
		})
	}
}

func TestLocalBounded(t *testing.T) {
	l := NewLocal(10, nil)
	for i := range 100 {
		l.AllowN(fmt.Sprint(i), PerSecond(1, 1), 1)
	}
	if l.Len() != 10 {
		t.Fatalf("%d keys kept", l.Len())
	}
	// The most recent keys are kept (and still limited).
	if r := l.AllowN("99", PerSecond(1, 1), 1); r.Allowed {
		t.Fatal("recent key forgotten")
	}
	if r := l.AllowN("0", PerSecond(1, 1), 1); !r.Allowed {
		t.Fatal("old key not evicted")
	}
}

func TestHeaders(t *testing.T) {
	var ctx fasthttp.RequestCtx
	Reject(&ctx, Result{Limit: PerMinute(10, 5), RetryAfter: 1500 * time.Millisecond, ResetAfter: 30 * time.Second})
	h := &ctx.Response.Header
	for k, want := range map[string]string{"Retry-After": "2", "RateLimit-Limit": "5", "RateLimit-Remaining": "0", "RateLimit-Reset": "30"} {
		if got := string(h.Peek(k)); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if ctx.Response.StatusCode() != 429 || string(h.ContentType()) != "application/problem+json" {
		t.Fatalf("%d %s", ctx.Response.StatusCode(), h.ContentType())
	}
}

func BenchmarkLocal(b *testing.B) {
	l := NewLocal(MaxLocalKeys, nil)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.AllowN(fmt.Sprint(i%1000), PerSecond(1000, 1000), 1)
			i++
		}
	})
}

// TestRefund checks that a refunded event can be spent again and that
// refunds never bank more than a fresh key's burst, in Redis and in the
// fallback.
func TestRefund(t *testing.T) {
	live, prefix := testenv.Redis(t)
	lim := Limit{Rate: 3, Burst: 3, Period: time.Minute}
	for _, b := range []struct {
		name string
		rdb  *redis.Client
	}{{"redis", live}, {"redis down", closedPortRedis(t)}} {
		t.Run(b.name, func(t *testing.T) {
			l := New(b.rdb, prefix+"refund:"+b.name+":", nil, nil)
			ctx := context.Background()
			for i := range 3 {
				if r := l.Allow(ctx, "login-fail", "a", lim); !r.Allowed {
					t.Fatalf("event %d denied: %+v", i, r)
				}
			}
			if r := l.Allow(ctx, "login-fail", "a", lim); r.Allowed {
				t.Fatalf("4th event allowed: %+v", r)
			}
			l.Refund(ctx, "login-fail", "a", lim)
			if r := l.Allow(ctx, "login-fail", "a", lim); !r.Allowed {
				t.Fatalf("event after a refund denied: %+v", r)
			}
			if r := l.Allow(ctx, "login-fail", "a", lim); r.Allowed {
				t.Fatalf("refund gave back more than one event: %+v", r)
			}
			// Refunds on a key with nothing spent bank nothing.
			for range 5 {
				l.Refund(ctx, "login-fail", "b", lim)
			}
			l.Allow(ctx, "login-fail", "b", lim)
			l.Refund(ctx, "login-fail", "b", lim)
			l.Refund(ctx, "login-fail", "b", lim)
			for i := range 3 {
				if r := l.Allow(ctx, "login-fail", "b", lim); !r.Allowed {
					t.Fatalf("fresh event %d denied: %+v", i, r)
				}
			}
			if r := l.Allow(ctx, "login-fail", "b", lim); r.Allowed {
				t.Fatalf("refunds banked credit: %+v", r)
			}
		})
	}
}
