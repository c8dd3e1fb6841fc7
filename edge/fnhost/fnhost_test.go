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

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/wasm/gate"
)

// testCache and testCacheUnguarded share compiled code between the tests
// of this binary (guarded and unguarded code differ).
var (
	testCache          = wazero.NewCompilationCache()
	testCacheUnguarded = wazero.NewCompilationCache()
)

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
	cfg := contract.ModuleConfig{Issuer: contract.DefaultIssuer, Audience: contract.DefaultAudience, LeewaySeconds: 30,
		CacheSize: int64(cacheSize), JWKS: []byte(`{"keys":[` + strings.Join(keys, ",") + `]}`)}
	return cfg.AppendJSON(nil)
}

func signToken(t testing.TB, kid string, k ed25519.PrivateKey, pfx string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": "edgeflix-origin", "aud": "edgeflix-edge", "sub": "acc_1", "sid": "ses_1",
		"iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(), "pfx": pfx,
		"dev": map[string]any{"cls": "desktop", "mh": 1080, "mbr": 8000000, "cdc": []string{"avc1", "mp4a"}, "hdr": false, "rnd": []string{"360p", "720p", "audio", "subs"}},
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
	ctx := context.Background()
	// bigConfig is a valid but useless document (the module answers
	// ErrConfig if it gets to the end): 100 MB of whitespace take the
	// module's JSON scanner far longer than 50 ms, and more memory than a
	// 16 MiB instance has.
	bigConfig := []byte("{" + strings.Repeat(" ", 100<<20) + "}")
	hugeConfig := []byte("{" + strings.Repeat(" ", 400<<20) + "}")
	for _, tc := range []struct {
		name         string
		opts         Options
		cfg          []byte
		wantOverruns bool
	}{
		{"trap: memory limit", Options{MemoryLimitPages: 256}, bigConfig, false},
		{"guarded overrun stopped", Options{CallTimeout: 50 * time.Millisecond, MemoryLimitPages: 4096}, bigConfig, true},
		// Unguarded code cannot be cut off, only caught overrunning: four
		// times the input keeps the call well past its deadline even on a
		// quiet machine (100 MB once finished inside 50 ms).
		{"unguarded overrun detected", Options{CallTimeout: 50 * time.Millisecond, MemoryLimitPages: 16384, Unguarded: true}, hugeConfig, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Module, tc.opts.Cache, tc.opts.PoolSize = wasmbuild.Edge(t), testCache, 2
			if tc.opts.Unguarded {
				tc.opts.Cache = testCacheUnguarded
			}
			h, err := New(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close(ctx)
			if err := h.Configure(ctx, config(0, jwk("a", keyA))); err != nil {
				t.Fatal(err)
			}
			path := "/t/" + signToken(t, "a", keyA, "/v1/media/a/") + "/v1/media/a/x.m4s"
			for i := range 3 {
				err := h.Configure(ctx, tc.cfg)
				if !errors.Is(err, ErrCall) {
					t.Fatalf("Configure(big) = %v, want ErrCall", err)
				}
				if s := h.Stats(); s.Replaced != uint64(i+1) || (s.Overruns > 0) != tc.wantOverruns {
					t.Fatalf("after failure %d: %+v", i+1, s)
				}
				// The pool refills and answers with the configuration in force.
				for range 4 {
					r, err := h.Gate(ctx, path, testNow)
					if err != nil || r.Status != gate.Allow {
						t.Fatalf("Gate after replacement = %+v, %v", r, err)
					}
				}
			}
		})
	}
}

func TestDoneContext(t *testing.T) {
	h := newTestHost(t, 1)
	ctx := context.Background()
	if err := h.Configure(ctx, config(0, jwk("a", keyA))); err != nil {
		t.Fatal(err)
	}
	path := "/t/" + signToken(t, "a", keyA, "/v1/media/a/") + "/v1/media/a/x.m4s"
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"deadline passed", func() (context.Context, context.CancelFunc) { return context.WithDeadline(ctx, time.Now()) }},
		{"canceled", func() (context.Context, context.CancelFunc) {
			c, cancel := context.WithCancel(ctx)
			cancel()
			return c, cancel
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, cancel := tc.ctx()
			defer cancel()
			if _, err := h.Gate(c, path, testNow); !errors.Is(err, c.Err()) {
				t.Fatalf("Gate = %v, want %v", err, c.Err())
			}
			// The instance was not touched, so it was not replaced.
			if s := h.Stats(); s.Replaced != 0 {
				t.Fatalf("stats %+v", s)
			}
			if r, err := h.Gate(ctx, path, testNow); err != nil || r.Status != gate.Allow {
				t.Fatalf("Gate after = %+v, %v", r, err)
			}
		})
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

func newBenchHost(b testing.TB, unguarded bool, cacheSize int) *Host {
	c := testCache
	if unguarded {
		c = testCacheUnguarded
	}
	h, err := New(context.Background(), Options{Module: wasmbuild.Edge(b), Cache: c, PoolSize: 1, Unguarded: unguarded})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = h.Close(context.Background()) })
	if err := h.Configure(context.Background(), config(cacheSize, jwk("a", keyA))); err != nil {
		b.Fatal(err)
	}
	return h
}

// BenchmarkGate measures one viewer-request gate call through the host:
// warm (token remembered by the instance) and cold (cache disabled, a
// signature check per call), with guarded and unguarded code.
func BenchmarkGate(b *testing.B) {
	for _, mode := range []struct {
		name      string
		unguarded bool
	}{{"guarded", false}, {"unguarded", true}} {
		for _, bc := range []struct {
			name      string
			cacheSize int
		}{{"warm", 0}, {"cold", -1}} {
			b.Run(mode.name+"/"+bc.name, func(b *testing.B) {
				h := newBenchHost(b, mode.unguarded, bc.cacheSize)
				ctx := context.Background()
				path := "/t/" + signToken(b, "a", keyA, "/v1/media/a/") + "/v1/media/a/720p/seg_00001.m4s"
				b.ReportAllocs()
				for b.Loop() {
					if r, err := h.Gate(ctx, path, testNow); err != nil || r.Status != gate.Allow {
						b.Fatal(r, err)
					}
				}
			})
		}
	}
}

// TestGateAllocs checks the host side of a warm gate call allocates only
// the result string.
func TestGateAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	h := newBenchHost(t, true, 0)
	ctx := context.Background()
	path := "/t/" + signToken(t, "a", keyA, "/v1/media/a/") + "/v1/media/a/720p/seg_00001.m4s"
	n := testing.AllocsPerRun(200, func() {
		if r, err := h.Gate(ctx, path, testNow); err != nil || r.Status != gate.Allow {
			t.Fatal(r, err)
		}
	})
	if n > 1 {
		t.Fatalf("warm Gate allocates %v times per call, want at most 1", n)
	}
}

// strictParse is the strictly configured golang-jwt parser the module's
// verifier must never be more lenient than (ARCHITECTURE.md).
func strictParse(tok string, now time.Time) error {
	p := jwt.NewParser(jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithAudience("edgeflix-edge"),
		jwt.WithIssuer("edgeflix-origin"), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(30*time.Second), jwt.WithStrictDecoding(), jwt.WithTimeFunc(func() time.Time { return now }))
	_, err := p.Parse(tok, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid == "a" {
			return keyA.Public().(ed25519.PublicKey), nil
		}
		return nil, errors.New("unknown kid")
	})
	return err
}

// FuzzGateModule is the differential check through wazero: the module's
// gate never allows a token that strict golang-jwt rejects.
func FuzzGateModule(f *testing.F) {
	good := signToken(f, "a", keyA, "/v1/media/a/")
	f.Add(good, int64(0))
	f.Add(good[:len(good)-3]+"AAA", int64(0))
	f.Add(signToken(f, "b", keyB, "/v1/media/a/"), int64(7200))
	f.Add("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", int64(-100))
	h := newTestHost(f, 1)
	if err := h.Configure(context.Background(), config(-1, jwk("a", keyA))); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tok string, offset int64) {
		now := testNow.Add(time.Duration(offset%100_000) * time.Second)
		r, err := h.Gate(context.Background(), "/t/"+tok+"/v1/media/a/master.m3u8", now)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == gate.Allow {
			if jerr := strictParse(tok, now); jerr != nil {
				t.Fatalf("module allows %q, golang-jwt rejects: %v", tok, jerr)
			}
		}
	})
}
