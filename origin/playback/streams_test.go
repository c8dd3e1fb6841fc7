package playback

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/testenv"
)

// TestSameDeviceTakeover: on a one-screen plan, starting again from the
// same device (token device or app-reported id) replaces that device's
// lease; another device still gets the limit error naming the stream.
func TestSameDeviceTakeover(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
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
