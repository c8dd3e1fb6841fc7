package playback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/testenv"
)

// fakeClock returns a clock that stands still until advance moves it.
func fakeClock() (now func() time.Time, advance func(time.Duration)) {
	var mu sync.Mutex // guards t
	t := time.Unix(1_700_000_000, 0)
	return func() time.Time { mu.Lock(); defer mu.Unlock(); return t },
		func(d time.Duration) { mu.Lock(); t = t.Add(d); mu.Unlock() }
}

// TestSameDeviceTakeover: on a one-screen plan, starting again from the
// same device (token device or app-reported id) replaces that device's
// lease; another device still gets the limit error naming the stream.
func TestSameDeviceTakeover(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	clock, _ := fakeClock()
	st := NewStreams(rdb, prefix, HeartbeatInterval, clock)
	ctx := context.Background()
	type start struct {
		sid, tokenDevice, reported string
		wantErr                    bool
	}
	cases := []struct {
		name   string
		starts []start
		live   []string // session ids holding leases at the end
	}{
		{"reload on the same signed-in device", []start{{"s1", "dev-a", "", false}, {"s2", "dev-a", "", false}}, []string{"s2"}},
		{"reload with the same app device id", []start{{"s1", "", "app-1", false}, {"s2", "", "app-1", false}}, []string{"s2"}},
		{"same device and app id", []start{{"s1", "dev-a", "app-1", false}, {"s2", "dev-a", "app-1", false}}, []string{"s2"}},
		{"another app id on the same device", []start{{"s1", "dev-a", "app-1", false}, {"s2", "dev-a", "app-2", true}}, []string{"s1"}},
		{"the same app id on another device", []start{{"s1", "dev-a", "app-1", false}, {"s2", "dev-b", "app-1", true}}, []string{"s1"}},
		{"another device is over the limit", []start{{"s1", "dev-a", "", false}, {"s2", "dev-b", "", true}}, []string{"s1"}},
		{"no device id never takes over", []start{{"s1", "", "", false}, {"s2", "", "", true}}, []string{"s1"}},
		{"another app device id is over the limit", []start{{"s1", "", "app-1", false}, {"s2", "", "app-9", true}}, []string{"s1"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			account := "acct" + string(rune('a'+i))
			for _, s := range c.starts {
				info := SessionInfo{AccountID: account, DeviceID: s.tokenDevice, DeviceClass: "desktop", TitleID: "t1",
					DeviceKey: DeviceKey(s.tokenDevice, s.reported)}
				err := st.Acquire(ctx, account+s.sid, info, 1)
				if (err != nil) != s.wantErr {
					t.Fatalf("start %s: err %v, want error %v", s.sid, err, s.wantErr)
				}
				var le *LimitError
				if s.wantErr && (!errors.As(err, &le) || len(le.Streams) != 1) {
					t.Fatalf("start %s: %v, want a limit error naming one stream", s.sid, err)
				}
			}
			live, err := st.Active(ctx, account)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range live {
				got = append(got, strings.TrimPrefix(l.SessionID, account))
			}
			if len(got) != len(c.live) || got[0] != c.live[0] {
				t.Fatalf("live %v, want %v", got, c.live)
			}
			for _, s := range c.starts {
				_, err := st.Session(ctx, account+s.sid)
				if alive := err == nil; alive != (s.sid == c.live[0]) {
					t.Fatalf("session %s alive=%v (err %v)", s.sid, alive, err)
				}
			}
			// The replaced session's heartbeat finds it gone.
			if c.live[0] == "s2" {
				if err := st.Renew(ctx, account, account+"s1"); !errors.Is(err, ErrSessionGone) {
					t.Fatalf("renew replaced session: %v", err)
				}
			}
		})
	}
}

// TestTakeoverUnderConcurrentStarts: many concurrent starts of several
// devices on a two-screen plan never leave more than two leases.
func TestTakeoverUnderConcurrentStarts(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	st := NewStreams(rdb, prefix, HeartbeatInterval, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			dev := []string{"a", "b", "c"}[i%3]
			info := SessionInfo{AccountID: "acct", DeviceClass: "tv", TitleID: "t", DeviceKey: DeviceKey(dev, "")}
			err := st.Acquire(ctx, "s"+string(rune('A'+i)), info, 2)
			if err != nil && !errors.Is(err, ErrTooManyStreams) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	live, err := st.Active(ctx, "acct")
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 2 {
		t.Fatalf("%d live streams on a 2-screen plan", len(live))
	}
}

func TestDeviceReportID(t *testing.T) {
	for _, c := range []struct {
		id string
		ok bool
	}{{"", true}, {"b7Kq-1_x.9", true}, {"has space", false}, {string(make([]byte, 65)), false}, {"é", false}} {
		d := contract.DeviceReport{ID: c.id, Class: "tv", MaxHeight: 1080, Codecs: []string{"avc1"}}
		if err := validateDevice(d); (err == nil) != c.ok {
			t.Errorf("id %q: err %v, want ok %v", c.id, err, c.ok)
		}
	}
}

// TestSessionKeepsCaps: a session's hash keeps the caps its tokens are
// signed with, so a heartbeat renews them unchanged; a hash without them
// (written before caps were kept) cannot be renewed and reads as gone.
func TestSessionKeepsCaps(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	st := NewStreams(rdb, prefix, HeartbeatInterval, nil)
	ctx := context.Background()
	caps := contract.Caps{Class: "tv", MaxHeight: 2160, MaxBitrate: 25_000_000, Codecs: []string{"avc1", "hvc1", "mp4a"}, HDR: true}
	if err := st.Acquire(ctx, "s1", SessionInfo{AccountID: "1", AssetID: "a1", Caps: caps}, 1); err != nil {
		t.Fatal(err)
	}
	info, err := st.Session(ctx, "s1")
	if err != nil || info.Caps.Header() != caps.Header() || info.AssetID != "a1" {
		t.Fatalf("session %+v %v, want caps %s", info, err, caps.Header())
	}
	if err := rdb.HDel(ctx, prefix+"session:s1", "caps").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, "s1"); !errors.Is(err, ErrSessionGone) {
		t.Fatalf("session without caps: %v", err)
	}
}

// TestCountActive: the active-lease count follows starts, heartbeats,
// stops, same-device takeovers, refused starts and expiry, across
// accounts.
func TestCountActive(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	clock, advance := fakeClock()
	st := NewStreams(rdb, prefix, HeartbeatInterval, clock)
	ctx := context.Background()
	start := func(account, sid, device string) error {
		return st.Acquire(ctx, sid, SessionInfo{AccountID: account, DeviceClass: "tv", TitleID: "t", DeviceKey: DeviceKey(device, "")}, 2)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		name string
		do   func()
		want int
	}{
		{"nothing", func() {}, 0},
		{"three starts on two accounts", func() {
			must(start("a", "a1", "tv-a"))
			must(start("a", "a2", "phone-a"))
			must(start("b", "b1", "tv-b"))
		}, 3},
		{"a start over the plan's screens is refused", func() {
			if err := start("a", "a3", "laptop-a"); !errors.Is(err, ErrTooManyStreams) {
				t.Fatalf("third screen: %v", err)
			}
		}, 3},
		{"same-device takeover replaces a lease", func() { must(start("a", "a4", "tv-a")) }, 3},
		{"heartbeats keep leases past their first expiry", func() {
			advance(st.LeaseTTL() / 2)
			must(st.Renew(ctx, "a", "a2"))
			must(st.Renew(ctx, "a", "a4"))
			advance(st.LeaseTTL()/2 + time.Millisecond) // b1 was never renewed
		}, 2},
		{"a renew of the expired lease fails and changes nothing", func() {
			if err := st.Renew(ctx, "b", "b1"); !errors.Is(err, ErrSessionGone) {
				t.Fatalf("renew expired: %v", err)
			}
		}, 2},
		{"a stop frees its lease", func() { must(st.Release(ctx, "a", "a2")) }, 1},
		{"a stop of a stopped session changes nothing", func() { must(st.Release(ctx, "a", "a2")) }, 1},
		{"device revocation stops its streams", func() {
			must(st.Acquire(ctx, "c1", SessionInfo{AccountID: "c", DeviceID: "dev-c", DeviceClass: "tv", TitleID: "t"}, 2))
			must(st.StopDevice(ctx, "c", "dev-c"))
		}, 1},
		{"everything expires", func() { advance(st.LeaseTTL()) }, 0},
	} {
		step.do()
		got, err := st.CountActive(ctx)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got != step.want {
			t.Fatalf("%s: %d active leases, want %d", step.name, got, step.want)
		}
	}
	// Expired members are trimmed by the next start: the set holds the
	// live leases, not every lease ever taken.
	must(start("d", "d1", ""))
	if n, err := rdb.ZCard(ctx, st.allLeasesKey()).Result(); err != nil || n != 1 {
		t.Fatalf("all-leases set holds %d members (%v) after expiry and one start, want 1", n, err)
	}
}

// commandLog records the name of every command a Redis client sends.
type commandLog struct {
	mu    sync.Mutex
	names []string
}

func (c *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.mu.Lock()
		c.names = append(c.names, cmd.Name())
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (c *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.mu.Lock()
		for _, cmd := range cmds {
			c.names = append(c.names, cmd.Name())
		}
		c.mu.Unlock()
		return next(ctx, cmds)
	}
}

func (c *commandLog) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.names
	c.names = nil
	return n
}

// TestCountActiveDoesNotWalkKeys: counting sends one ZCOUNT, never SCAN
// or KEYS, and is not fooled by keys that look like sessions but hold no
// lease (a scan of session:* would count them).
func TestCountActiveDoesNotWalkKeys(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	var log commandLog
	rdb.AddHook(&log)
	st := NewStreams(rdb, prefix, HeartbeatInterval, nil)
	ctx := context.Background()
	for i := range 3 {
		if err := st.Acquire(ctx, fmt.Sprint("s", i), SessionInfo{AccountID: "a", DeviceClass: "tv", TitleID: "t"}, 4); err != nil {
			t.Fatal(err)
		}
	}
	p := rdb.Pipeline()
	for i := range 2000 {
		p.HSet(ctx, fmt.Sprintf("%ssession:stray%d", prefix, i), "account", "x")
		p.Set(ctx, fmt.Sprintf("%sunrelated:%d", prefix, i), "x", time.Minute)
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	log.take()
	n, err := st.CountActive(ctx)
	if err != nil || n != 3 {
		t.Fatalf("count %d (%v), want 3", n, err)
	}
	if cmds := log.take(); !slices.Equal(cmds, []string{"zcount"}) {
		t.Fatalf("counting sent %v, want one zcount", cmds)
	}
}
