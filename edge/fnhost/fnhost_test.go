package fnhost

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/wasm/gate"
)

// testCache shares compiled code between the tests of this binary.
var testCache = wazero.NewCompilationCache()

var (
	keyA    = ed25519.NewKeyFromSeed([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	keyB    = ed25519.NewKeyFromSeed([]byte("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"))
	testNow = time.Unix(1_700_000_000, 0)
)

func jwk(kid string, k ed25519.PrivateKey) string {
	x := base64.RawURLEncoding.EncodeToString(k.Public().(ed25519.PublicKey))
	return `{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"EdDSA","kid":"` + kid + `","x":"` + x + `"}`
}

func config(cacheSize int, keys ...string) []byte {
	return []byte(fmt.Sprintf(`{"iss":"edgeflix-origin","aud":"edgeflix-edge","leeway_s":30,"cache_size":%d,"jwks":{"keys":[%s]}}`,
		cacheSize, strings.Join(keys, ",")))
}

func signToken(t testing.TB, kid string, k ed25519.PrivateKey, pfx string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": "edgeflix-origin", "aud": "edgeflix-edge", "sub": "acc_1", "sid": "ses_1",
		"iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(), "pfx": pfx,
		"dev": map[string]any{"cls": "desktop", "mh": 1080, "mbr": 8000000, "cdc": []string{"avc1", "mp4a"}, "hdr": false},
	})
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newTestHost(t testing.TB, pool int) *Host {
	t.Helper()
	h, err := New(context.Background(), Options{Module: wasmbuild.Edge(t), Cache: testCache, PoolSize: pool})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	return h
}

func TestGate(t *testing.T) {
	h := newTestHost(t, 2)
	ctx := context.Background()
	if r, err := h.Gate(ctx, "/t/x/v1/media/a/m.m3u8", testNow); err != nil || r.Reason != "not_configured" {
		t.Fatalf("unconfigured Gate = %+v, %v", r, err)
	}
	if err := h.Configure(ctx, config(0, jwk("a", keyA))); err != nil {
		t.Fatal(err)
	}
	tok := signToken(t, "a", keyA, "/v1/media/a/")
	for _, tc := range []struct {
		name string
		path string
		now  time.Time
		want gate.Result
	}{
		{"allow", "/t/" + tok + "/v1/media/a/master.m3u8", testNow, gate.Result{Status: gate.Allow, Path: "/v1/media/a/master.m3u8", Caps: "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0"}},
		{"allow cached", "/t/" + tok + "/v1/media/a/720p/seg_00001.m4s", testNow, gate.Result{Status: gate.Allow, Path: "/v1/media/a/720p/seg_00001.m4s", Caps: "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0"}},
		{"expired", "/t/" + tok + "/v1/media/a/master.m3u8", testNow.Add(2 * time.Hour), gate.Result{Status: gate.Deny, Reason: "expired"}},
		{"prefix", "/t/" + tok + "/v1/media/ab/master.m3u8", testNow, gate.Result{Status: gate.Deny, Reason: "prefix"}},
		{"tampered", "/t/" + tok[:len(tok)-4] + "AAAA/v1/media/a/master.m3u8", testNow, gate.Result{Status: gate.Deny, Reason: "signature"}},
		{"unknown key", "/t/" + signToken(t, "b", keyB, "/v1/media/a/") + "/v1/media/a/master.m3u8", testNow, gate.Result{Status: gate.Deny, Reason: "unknown_key"}},
		{"no token", "/v1/media/a/master.m3u8", testNow, gate.Result{Status: gate.Deny, Reason: "no_token"}},
		{"empty", "", testNow, gate.Result{Status: gate.Deny, Reason: "no_token"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Enough calls to use every instance in the pool.
			for range 3 {
				r, err := h.Gate(ctx, tc.path, tc.now)
				if err != nil {
					t.Fatal(err)
				}
				if r != tc.want {
					t.Fatalf("Gate() = %+v, want %+v", r, tc.want)
				}
			}
		})
	}
}

func TestConfigure(t *testing.T) {
	h := newTestHost(t, 2)
	ctx := context.Background()
	tokA := "/t/" + signToken(t, "a", keyA, "/v1/media/a/") + "/v1/media/a/x.m4s"
	tokB := "/t/" + signToken(t, "b", keyB, "/v1/media/a/") + "/v1/media/a/x.m4s"
	steps := []struct {
		name         string
		cfg          []byte
		wantErr      error
		wantA, wantB string // expected reason, "" = allowed
	}{
		{"key a", config(0, jwk("a", keyA)), nil, "", "unknown_key"},
		{"both keys during rotation", config(0, jwk("a", keyA), jwk("b", keyB)), nil, "", ""},
		{"key a retired", config(0, jwk("b", keyB)), nil, "unknown_key", ""},
		{"refused config keeps the old one", []byte(`{"iss":"x"}`), ErrConfig, "unknown_key", ""},
		{"private key refused", []byte(strings.Replace(string(config(0, jwk("a", keyA))), `"kty"`, `"d":"x","kty"`, 1)), ErrConfig, "unknown_key", ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := h.Configure(ctx, st.cfg)
			if st.wantErr == nil && err != nil || st.wantErr != nil && !errors.Is(err, st.wantErr) {
				t.Fatalf("Configure() = %v, want %v", err, st.wantErr)
			}
			for range 4 { // every instance
				for _, c := range []struct{ path, want string }{{tokA, st.wantA}, {tokB, st.wantB}} {
					r, err := h.Gate(ctx, c.path, testNow)
					if err != nil {
						t.Fatal(err)
					}
					if r.Reason != c.want {
						t.Fatalf("reason = %q, want %q", r.Reason, c.want)
					}
				}
			}
		})
	}
	if s := h.Stats(); s.Replaced != 0 {
		t.Fatalf("instances replaced: %+v", s)
	}
}

func TestReplaceAfterFailure(t *testing.T) {
	h := newTestHost(t, 2)
	if err := h.Configure(context.Background(), config(0, jwk("a", keyA))); err != nil {
		t.Fatal(err)
	}
	path := "/t/" + signToken(t, "a", keyA, "/v1/media/a/") + "/v1/media/a/x.m4s"
	for i := range 3 {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now()) // already expired
		_, err := h.Gate(ctx, path, testNow)
		cancel()
		if err == nil {
			t.Fatal("Gate with an expired deadline succeeded")
		}
		if s := h.Stats(); s.Replaced != uint64(i+1) {
			t.Fatalf("after failure %d: %+v", i+1, s)
		}
		// The pool refills and answers correctly, with the current configuration.
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		r, err := h.Gate(ctx, path, testNow)
		cancel()
		if err != nil || r.Status != gate.Allow {
			t.Fatalf("Gate after replacement = %+v, %v", r, err)
		}
	}
	for range 6 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r, err := h.Gate(ctx, path, testNow)
		cancel()
		if err != nil || r.Status != gate.Allow {
			t.Fatalf("Gate after replacement = %+v, %v", r, err)
		}
	}
}

func TestConcurrent(t *testing.T) {
	h := newTestHost(t, 2)
	ctx := context.Background()
	if err := h.Configure(ctx, config(4, jwk("a", keyA))); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			tok := "/t/" + signToken(t, "a", keyA, fmt.Sprintf("/v1/media/a%d/", g))
			for i := range 20 {
				path := fmt.Sprintf("%s/v1/media/a%d/seg_%05d.m4s", tok, g, i)
				r, err := h.Gate(ctx, path, testNow)
				if err != nil || r.Status != gate.Allow || !strings.HasSuffix(path, r.Path) {
					errs <- fmt.Errorf("goroutine %d call %d: %+v, %v", g, i, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNewRejectsBadModules(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  []byte
	}{
		{"empty", nil},
		{"not wasm", []byte("hello")},
		{"no exports", []byte("\x00asm\x01\x00\x00\x00")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(context.Background(), Options{Module: tc.mod, PoolSize: 1}); !errors.Is(err, ErrModule) {
				t.Fatalf("New() error = %v, want ErrModule", err)
			}
		})
	}
}

func TestClose(t *testing.T) {
	h := newTestHost(t, 1)
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Gate(context.Background(), "/t/x/y", testNow); !errors.Is(err, ErrClosed) {
		t.Fatalf("Gate after Close = %v", err)
	}
}

func BenchmarkGate(b *testing.B) {
	for _, bc := range []struct {
		name      string
		cacheSize int
	}{{"warm", 0}, {"cold", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			h := newTestHost(b, 1)
			ctx := context.Background()
			if err := h.Configure(ctx, config(bc.cacheSize, jwk("a", keyA))); err != nil {
				b.Fatal(err)
			}
			path := "/t/" + signToken(b, "a", keyA, "/v1/media/a/") + "/v1/media/a/1080p/seg_00001.m4s"
			b.ReportAllocs()
			for b.Loop() {
				if r, err := h.Gate(ctx, path, testNow); err != nil || r.Status != gate.Allow {
					b.Fatal(r, err)
				}
			}
		})
	}
}
