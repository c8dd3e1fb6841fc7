package playback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/contract"
)

// LeaseSlack is added to two heartbeat intervals to make the lease TTL: a
// stream that misses two heartbeats loses its lease.
const LeaseSlack = 10 * time.Second

// Sentinel errors of stream leases.
var (
	// ErrTooManyStreams means the account already streams on as many
	// screens as its plan allows.
	ErrTooManyStreams = errors.New("too many concurrent streams")
	// ErrSessionGone means the session was stopped or its lease expired.
	ErrSessionGone = errors.New("playback session is gone")
)

// StreamInfo describes a stream holding a lease.
type StreamInfo struct {
	SessionID   string `json:"session_id"`
	DeviceID    string `json:"device_id,omitempty"`
	DeviceClass string `json:"device_class"`
	TitleID     string `json:"title_id"`
}

// LimitError is ErrTooManyStreams with the streams holding the leases.
type LimitError struct {
	Screens int
	Streams []StreamInfo
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%v: the plan allows %d", ErrTooManyStreams, e.Screens)
}

// Unwrap makes errors.Is(err, ErrTooManyStreams) hold.
func (e *LimitError) Unwrap() error { return ErrTooManyStreams }

// SessionInfo is what a session's hash holds.
type SessionInfo struct {
	AccountID   string
	ProfileID   string
	DeviceID    string
	DeviceClass string
	TitleID     string
	EpisodeID   string
	AssetID     string
	DurationS   int
	// DeviceKey identifies the device for same-device takeover (see
	// DeviceKey); "" never replaces another stream.
	DeviceKey string
	// Caps are the device caps signed into the session's playback
	// tokens; a heartbeat signs its renewed token with them.
	Caps contract.Caps
}

// Streams keeps per-account stream leases in Redis: the sorted set
// leases:<account> holds session ids scored by lease expiry (Unix ms) and
// session:<sid> hashes describe them (docs/CONTRACTS.md). The sorted set
// leases (no account) holds every lease the same way, kept by the same
// scripts and transactions, so counting the live leases is one ZCOUNT.
type Streams struct {
	rdb      *redis.Client
	prefix   string
	now      func() time.Time
	leaseTTL time.Duration
}

// NewStreams returns Streams over rdb with keys under prefix; a lease lives
// 2 × heartbeat + LeaseSlack after its last renewal by the clock now.
func NewStreams(rdb *redis.Client, prefix string, heartbeat time.Duration, now func() time.Time) *Streams {
	if now == nil {
		now = time.Now
	}
	return &Streams{rdb: rdb, prefix: prefix, now: now, leaseTTL: 2*heartbeat + LeaseSlack}
}

// LeaseTTL is how long a lease lives without a heartbeat.
func (s *Streams) LeaseTTL() time.Duration { return s.leaseTTL }

func (s *Streams) leasesKey(account string) string { return s.prefix + "leases:" + account }
func (s *Streams) sessionKey(sid string) string    { return s.prefix + "session:" + sid }

// allLeasesKey is the sorted set of every account's leases.
func (s *Streams) allLeasesKey() string { return s.prefix + "leases" }

// acquireScript atomically drops expired leases and the leases of the
// same device (devkey), and adds the session if fewer than the limit
// remain (writing its hash), else returns the holders; the set of all
// leases follows (expired ones trimmed, taken-over ones removed, the new
// one added). KEYS: leases, session, all leases. ARGV: now ms, expiry ms,
// sid, limit, key ttl ms, devkey ("" for none), session key prefix, then
// hash field/value pairs.
var acquireScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
if ARGV[6] ~= '' then
  for _, other in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    local sk = ARGV[7] .. other
    if redis.call('HGET', sk, 'devkey') == ARGV[6] then
      redis.call('ZREM', KEYS[1], other)
      redis.call('ZREM', KEYS[3], other)
      redis.call('DEL', sk)
    end
  end
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return redis.call('ZRANGE', KEYS[1], 0, -1)
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local fields = {}
for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return false
`)

// DeviceKey names the device a stream plays on for same-device takeover:
// the signed-in device of the access token and the id the app reported,
// each when present, so two app instances that report different ids on one
// signed-in device stay two streams; "" (no takeover) when neither is
// known.
func DeviceKey(tokenDeviceID, reportedID string) string {
	if tokenDeviceID == "" && reportedID == "" {
		return ""
	}
	return "d:" + tokenDeviceID + "|a:" + reportedID
}

// renewScript extends a live lease; 0 when it is gone or expired. KEYS:
// leases, session, all leases. ARGV: now ms, expiry ms, sid, key ttl ms.
var renewScript = redis.NewScript(`
local s = redis.call('ZSCORE', KEYS[1], ARGV[3])
if not s or tonumber(s) <= tonumber(ARGV[1]) then
  redis.call('ZREM', KEYS[1], ARGV[3])
  redis.call('ZREM', KEYS[3], ARGV[3])
  redis.call('DEL', KEYS[2])
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
`)

// Acquire takes a lease for session sid of info.AccountID if fewer than
// screens streams hold one; otherwise a *LimitError naming them. A live
// lease of the same device (info.DeviceKey, when set) is released first:
// starting again on a device replaces its stream.
func (s *Streams) Acquire(ctx context.Context, sid string, info SessionInfo, screens int) error {
	caps, err := json.Marshal(info.Caps)
	if err != nil {
		return fmt.Errorf("playback: encode caps: %w", err)
	}
	now := s.now()
	ttl := s.leaseTTL.Milliseconds()
	args := []any{now.UnixMilli(), now.Add(s.leaseTTL).UnixMilli(), sid, screens, ttl, info.DeviceKey, s.sessionKey(""),
		"devkey", info.DeviceKey, "account", info.AccountID, "profile", info.ProfileID, "device", info.DeviceID, "class", info.DeviceClass,
		"title", info.TitleID, "episode", info.EpisodeID, "asset", info.AssetID, "duration", info.DurationS, "caps", caps}
	res, err := acquireScript.Run(ctx, s.rdb, []string{s.leasesKey(info.AccountID), s.sessionKey(sid), s.allLeasesKey()}, args...).StringSlice()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("playback: acquire lease: %w", err)
	}
	le := &LimitError{Screens: screens, Streams: []StreamInfo{}}
	for _, other := range res {
		h, err := s.rdb.HGetAll(ctx, s.sessionKey(other)).Result()
		if err != nil {
			return fmt.Errorf("playback: describe streams: %w", err)
		}
		le.Streams = append(le.Streams, StreamInfo{SessionID: other, DeviceID: h["device"], DeviceClass: h["class"], TitleID: h["title"]})
	}
	return le
}

// Session returns the hash of session sid; ErrSessionGone if none.
func (s *Streams) Session(ctx context.Context, sid string) (SessionInfo, error) {
	h, err := s.rdb.HGetAll(ctx, s.sessionKey(sid)).Result()
	if err != nil {
		return SessionInfo{}, fmt.Errorf("playback: session: %w", err)
	}
	if len(h) == 0 {
		return SessionInfo{}, ErrSessionGone
	}
	d, _ := strconv.Atoi(h["duration"])
	info := SessionInfo{AccountID: h["account"], ProfileID: h["profile"], DeviceID: h["device"], DeviceClass: h["class"],
		TitleID: h["title"], EpisodeID: h["episode"], AssetID: h["asset"], DurationS: d, DeviceKey: h["devkey"]}
	if err := json.Unmarshal([]byte(h["caps"]), &info.Caps); err != nil {
		// A session written before caps were kept cannot be renewed: it
		// ends like a lost lease and the player starts again.
		return SessionInfo{}, fmt.Errorf("%w: no caps: %v", ErrSessionGone, err)
	}
	return info, nil
}

// Renew extends the lease of session sid of accountID; ErrSessionGone if
// it was stopped or expired.
func (s *Streams) Renew(ctx context.Context, accountID, sid string) error {
	now := s.now()
	n, err := renewScript.Run(ctx, s.rdb, []string{s.leasesKey(accountID), s.sessionKey(sid), s.allLeasesKey()},
		now.UnixMilli(), now.Add(s.leaseTTL).UnixMilli(), sid, s.leaseTTL.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("playback: renew lease: %w", err)
	}
	if n == 0 {
		return ErrSessionGone
	}
	return nil
}

// Release frees the lease of session sid of accountID at once.
func (s *Streams) Release(ctx context.Context, accountID, sid string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.leasesKey(accountID), sid)
		p.ZRem(ctx, s.allLeasesKey(), sid)
		p.Del(ctx, s.sessionKey(sid))
		return nil
	})
	if err != nil {
		return fmt.Errorf("playback: release lease: %w", err)
	}
	return nil
}

// Active returns the account's live streams.
func (s *Streams) Active(ctx context.Context, accountID string) ([]StreamInfo, error) {
	sids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.leasesKey(accountID), ByScore: true,
		Start: "(" + strconv.FormatInt(s.now().UnixMilli(), 10), Stop: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("playback: streams: %w", err)
	}
	out := []StreamInfo{}
	for _, sid := range sids {
		info, err := s.Session(ctx, sid)
		if errors.Is(err, ErrSessionGone) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, StreamInfo{SessionID: sid, DeviceID: info.DeviceID, DeviceClass: info.DeviceClass, TitleID: info.TitleID})
	}
	return out, nil
}

// StopDevice ends every stream of accountID playing on deviceID (device
// revocation calls it).
func (s *Streams) StopDevice(ctx context.Context, accountID, deviceID string) error {
	if deviceID == "" {
		return nil
	}
	sids, err := s.rdb.ZRange(ctx, s.leasesKey(accountID), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("playback: stop device: %w", err)
	}
	for _, sid := range sids {
		dev, err := s.rdb.HGet(ctx, s.sessionKey(sid), "device").Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return fmt.Errorf("playback: stop device: %w", err)
		}
		if dev == deviceID {
			if err := s.Release(ctx, accountID, sid); err != nil {
				return err
			}
		}
	}
	return nil
}

// CountActive counts the live leases of every account: one ZCOUNT of the
// leases not yet expired in the set the lease operations keep, O(log n)
// whatever else Redis holds. Expired members are trimmed by the next
// Acquire, so the set stays about the size of the live leases.
func (s *Streams) CountActive(ctx context.Context) (int, error) {
	n, err := s.rdb.ZCount(ctx, s.allLeasesKey(), "("+strconv.FormatInt(s.now().UnixMilli(), 10), "+inf").Result()
	if err != nil {
		return 0, fmt.Errorf("playback: count leases: %w", err)
	}
	return int(n), nil
}
