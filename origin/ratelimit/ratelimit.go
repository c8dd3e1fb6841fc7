// Package ratelimit limits request rates with GCRA (generic cell rate
// algorithm) in Redis through github.com/go-redis/redis_rate, keyed
// rl:<scope>:<id> under the configured prefix, and answers 429 with
// Retry-After and the IETF draft RateLimit-Limit/-Remaining/-Reset headers.
//
// If Redis fails, each process falls back to its own in-memory GCRA
// limiter (bounded to MaxLocalKeys keys, least recently used evicted) with
// the same limits: with N origin processes an attacker gets at most N times
// the budget, instead of an unlimited login endpoint (fail open) or no
// logins at all (fail closed).
package ratelimit

import (
	"container/list"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/httpx"
)

// MaxLocalKeys bounds the fallback limiter's memory.
const MaxLocalKeys = 100_000

// Limit allows Rate events per Period with bursts of Burst.
type Limit struct {
	Rate   int
	Burst  int
	Period time.Duration
}

// PerMinute returns a limit of rate per minute with burst.
func PerMinute(rate, burst int) Limit { return Limit{Rate: rate, Burst: burst, Period: time.Minute} }

// PerSecond returns a limit of rate per second with burst.
func PerSecond(rate, burst int) Limit { return Limit{Rate: rate, Burst: burst, Period: time.Second} }

// Result is the outcome of one check.
type Result struct {
	// Allowed says whether the event may proceed.
	Allowed bool
	// Limit is the limit checked.
	Limit Limit
	// Remaining is how many more events the limit allows now.
	Remaining int
	// RetryAfter is how long to wait before the next event is allowed (0
	// when Allowed).
	RetryAfter time.Duration
	// ResetAfter is how long until the limit is fully replenished.
	ResetAfter time.Duration
	// Local says the in-process fallback answered (Redis failed).
	Local bool
}

// Limiter checks limits in Redis, falling back to memory.
type Limiter struct {
	rl     *redis_rate.Limiter
	rdb    *redis.Client
	prefix string
	local  *Local
	logger *slog.Logger

	lastWarn atomic.Int64 // unix nanos of the last fallback warning
}

// New returns a Limiter over rdb with keys under prefix. now is the clock of
// the fallback limiter (nil: time.Now); logger receives fallback warnings
// (nil: slog.Default()).
func New(rdb *redis.Client, prefix string, now func() time.Time, logger *slog.Logger) *Limiter {
	if logger == nil {
		logger = slog.Default()
	}
	return &Limiter{rl: redis_rate.NewLimiter(rdb), rdb: rdb, prefix: prefix, local: NewLocal(MaxLocalKeys, now), logger: logger}
}

// Allow records one event of scope for id (an IP, an account id, a hashed
// e-mail) and reports whether it is within lim.
func (l *Limiter) Allow(ctx context.Context, scope, id string, lim Limit) Result {
	return l.AllowN(ctx, scope, id, lim, 1)
}

// AllowN records n events; n = 0 only reports the state.
func (l *Limiter) AllowN(ctx context.Context, scope, id string, lim Limit, n int) Result {
	key := l.prefix + "rl:" + scope + ":" + id
	if lim.Rate <= 0 || lim.Burst <= 0 || lim.Period <= 0 {
		return Result{Allowed: true, Limit: lim, Remaining: 1 << 30}
	}
	res, err := l.rl.AllowN(ctx, key, redis_rate.Limit{Rate: lim.Rate, Burst: lim.Burst, Period: lim.Period}, n)
	if err == nil {
		r := Result{Allowed: res.Allowed >= n && (n > 0 || res.Remaining > 0), Limit: lim, Remaining: res.Remaining, ResetAfter: res.ResetAfter}
		if n == 0 {
			r.Allowed = res.Remaining > 0
		}
		if !r.Allowed {
			r.RetryAfter = res.RetryAfter
			if r.RetryAfter <= 0 && n == 0 {
				r.RetryAfter = lim.Period / time.Duration(lim.Rate)
			}
		}
		return r
	}
	if errors.Is(err, context.Canceled) {
		// The client went away; deny rather than guess.
		return Result{Limit: lim, RetryAfter: time.Second}
	}
	now := time.Now().UnixNano()
	if last := l.lastWarn.Load(); now-last > int64(30*time.Second) && l.lastWarn.CompareAndSwap(last, now) {
		l.logger.Warn("ratelimit: redis failed; using the in-process limiter", "err", err)
	}
	return l.local.AllowN(key, lim, n)
}

// refundScript gives back one event's worth of a redis_rate GCRA key: it
// moves the theoretical arrival time back by one emission interval, never
// before now (a refund cannot bank credit), and deletes the key when
// nothing is left. It reads the time as redis_rate does (seconds since
// 2017-01-01, from Redis TIME) so the two scripts agree.
var refundScript = redis.NewScript(`
redis.replicate_commands()
local tat = redis.call("GET", KEYS[1])
if not tat then
  return 0
end
local emission = tonumber(ARGV[1]) / tonumber(ARGV[2])
local now = redis.call("TIME")
now = (now[1] - 1483228800) + (now[2] / 1000000)
local new_tat = tonumber(tat) - emission
if new_tat <= now then
  redis.call("DEL", KEYS[1])
  return 1
end
redis.call("SET", KEYS[1], new_tat, "EX", math.ceil(new_tat - now))
return 1
`)

// Refund gives back one event recorded by Allow for scope and id, e.g. a
// login attempt counted before the password check that then succeeded.
// It never leaves more allowance than a fresh key has. A Redis failure
// refunds in the in-process fallback instead (where the event was then
// most likely counted).
func (l *Limiter) Refund(ctx context.Context, scope, id string, lim Limit) {
	if lim.Rate <= 0 || lim.Burst <= 0 || lim.Period <= 0 {
		return
	}
	key := l.prefix + "rl:" + scope + ":" + id
	err := refundScript.Run(ctx, l.rdb, []string{redisRatePrefix + key}, lim.Period.Seconds(), lim.Rate).Err()
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	l.local.Refund(key, lim)
}

// redisRatePrefix is the prefix redis_rate puts before every key.
const redisRatePrefix = "rate:"

// Local is an in-memory GCRA limiter over at most a fixed number of keys;
// the least recently used key is forgotten first. It is safe for
// concurrent use.
type Local struct {
	max int
	now func() time.Time

	mu    sync.Mutex // guards order and items
	order *list.List // of *entry, most recently used in front
	items map[string]*list.Element
}

type entry struct {
	key string
	tat time.Time // theoretical arrival time
}

// NewLocal returns a Local limiter over at most maxKeys keys. If now is
// nil, time.Now is used.
func NewLocal(maxKeys int, now func() time.Time) *Local {
	if now == nil {
		now = time.Now
	}
	return &Local{max: maxKeys, now: now, order: list.New(), items: make(map[string]*list.Element)}
}

// Len returns how many keys the limiter remembers.
func (l *Local) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.items)
}

// AllowN records n events for key against lim (n = 0 only reports).
func (l *Local) AllowN(key string, lim Limit, n int) Result {
	if lim.Rate <= 0 || lim.Burst <= 0 || lim.Period <= 0 {
		return Result{Allowed: true, Limit: lim, Remaining: 1 << 30, Local: true}
	}
	now := l.now()
	emission := lim.Period / time.Duration(lim.Rate)
	tolerance := emission * time.Duration(lim.Burst)
	l.mu.Lock()
	defer l.mu.Unlock()
	tat := now
	el, ok := l.items[key]
	if ok {
		if t := el.Value.(*entry).tat; t.After(now) {
			tat = t
		}
		l.order.MoveToFront(el)
	}
	newTat := tat.Add(emission * time.Duration(n))
	diff := now.Sub(newTat.Add(-tolerance))
	remaining := int(diff / emission)
	r := Result{Limit: lim, Local: true}
	if diff < 0 || (n == 0 && remaining <= 0) {
		r.RetryAfter = -diff
		if n == 0 {
			r.RetryAfter = emission - diff
		}
		r.ResetAfter = tat.Sub(now)
		return r
	}
	r.Allowed, r.Remaining, r.ResetAfter = true, remaining, newTat.Sub(now)
	if n == 0 {
		return r
	}
	if ok {
		el.Value.(*entry).tat = newTat
		return r
	}
	l.items[key] = l.order.PushFront(&entry{key: key, tat: newTat})
	for len(l.items) > l.max {
		old := l.order.Back()
		l.order.Remove(old)
		delete(l.items, old.Value.(*entry).key)
	}
	return r
}

// Refund gives back one event of key (see Limiter.Refund).
func (l *Local) Refund(key string, lim Limit) {
	if lim.Rate <= 0 || lim.Burst <= 0 || lim.Period <= 0 {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.items[key]
	if !ok {
		return
	}
	e := el.Value.(*entry)
	if e.tat = e.tat.Add(-lim.Period / time.Duration(lim.Rate)); !e.tat.After(now) {
		l.order.Remove(el)
		delete(l.items, key)
	}
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// SetHeaders writes RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset (draft-ietf-httpapi-ratelimit-headers), and Retry-After
// when r is a denial.
func SetHeaders(h *fasthttp.ResponseHeader, r Result) {
	h.Set("RateLimit-Limit", strconv.Itoa(r.Limit.Burst))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(r.Remaining, 0)))
	h.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(max(r.ResetAfter, r.RetryAfter))))
	if !r.Allowed {
		h.Set("Retry-After", strconv.Itoa(max(ceilSeconds(r.RetryAfter), 1)))
	}
}

// Reject answers 429 with the headers of r and a problem body.
func Reject(ctx *fasthttp.RequestCtx, r Result) {
	SetHeaders(&ctx.Response.Header, r)
	httpx.WriteProblem(ctx, fasthttp.StatusTooManyRequests, "rate-limited", "too many requests; retry after "+strconv.Itoa(max(ceilSeconds(r.RetryAfter), 1))+" s")
}
