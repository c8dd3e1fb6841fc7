package gate

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/contract"
)

var (
	testPriv = ed25519.NewKeyFromSeed(make([]byte, 32))
	testNow  = time.Unix(1_700_000_000, 0)
)

func testConfigJSON() string {
	x := base64.RawURLEncoding.EncodeToString(testPriv.Public().(ed25519.PublicKey))
	return `{"iss":"edgeflix-origin","aud":"edgeflix-edge","leeway_s":30,"cache_size":16,"jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"` + x + `","use":"sig","alg":"EdDSA"}]}}`
}

func testToken(t testing.TB, pfx string, exp time.Time) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": "edgeflix-origin", "aud": "edgeflix-edge", "sub": "acc_1", "sid": "ses_1",
		"iat": testNow.Unix(), "exp": exp.Unix(), "pfx": pfx,
		"dev": map[string]any{"cls": "tv", "mh": 2160, "mbr": 16000000, "cdc": []string{"hvc1", "mp4a"}, "hdr": true, "rnd": []string{"720p", "1080p", "audio", "subs"}},
	})
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(testPriv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newTestGate(t testing.TB) *Gate {
	t.Helper()
	cfg, err := ParseConfig([]byte(testConfigJSON()))
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestCheck(t *testing.T) {
	g := newTestGate(t)
	good := testToken(t, "/v1/media/a/", testNow.Add(time.Hour))
	caps := "cls=tv;mh=2160;mbr=16000000;cdc=hvc1,mp4a;hdr=1"
	for _, tc := range []struct {
		name string
		path string
		now  time.Time
		want Result
	}{
		{"master", "/t/" + good + "/v1/media/a/master.m3u8", testNow, Result{Status: Allow, Path: "/v1/media/a/master.m3u8", Caps: caps}},
		{"segment", "/t/" + good + "/v1/media/a/1080p/seg_00001.m4s", testNow, Result{Status: Allow, Path: "/v1/media/a/1080p/seg_00001.m4s", Caps: caps}},
		{"subtitles", "/t/" + good + "/v1/media/a/subs/en/index.m3u8", testNow, Result{Status: Allow, Path: "/v1/media/a/subs/en/index.m3u8", Caps: caps}},
		{"rendition not granted", "/t/" + good + "/v1/media/a/2160p/init.mp4", testNow, Result{Status: Deny, Reason: "rendition"}},
		{"guessed av1 folder", "/t/" + good + "/v1/media/a/1080p_av1/index.m3u8", testNow, Result{Status: Deny, Reason: "rendition"}},
		{"expired", "/t/" + good + "/v1/media/a/master.m3u8", testNow.Add(2 * time.Hour), Result{Status: Deny, Reason: "expired"}},
		{"other asset", "/t/" + good + "/v1/media/ab/master.m3u8", testNow, Result{Status: Deny, Reason: "prefix"}},
		{"dot dot", "/t/" + good + "/v1/media/a/../b/master.m3u8", testNow, Result{Status: Deny, Reason: "path"}},
		{"dot", "/t/" + good + "/v1/media/a/./master.m3u8", testNow, Result{Status: Deny, Reason: "path"}},
		{"percent", "/t/" + good + "/v1/media/a/%2e%2e/b/x", testNow, Result{Status: Deny, Reason: "path"}},
		{"double slash", "/t/" + good + "/v1/media/a//x", testNow, Result{Status: Deny, Reason: "path"}},
		{"trailing slash", "/t/" + good + "/v1/media/a/", testNow, Result{Status: Deny, Reason: "path"}},
		{"no path", "/t/" + good, testNow, Result{Status: Deny, Reason: "path"}},
		{"empty token", "/t//v1/media/a/master.m3u8", testNow, Result{Status: Deny, Reason: "path"}},
		{"no token", "/v1/media/a/master.m3u8", testNow, Result{Status: Deny, Reason: "no_token"}},
		{"garbage token", "/t/abc/v1/media/a/master.m3u8", testNow, Result{Status: Deny, Reason: "malformed"}},
		{"tampered", "/t/" + tamper(good) + "/v1/media/a/master.m3u8", testNow, Result{Status: Deny, Reason: "signature"}},
		{"too long", "/t/" + good + "/v1/media/a/" + strings.Repeat("x", MaxPathLength), testNow, Result{Status: Deny, Reason: "path"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := g.Check(tc.path, tc.now.UnixMilli())
			if got != tc.want {
				t.Fatalf("Check() = %+v, want %+v", got, tc.want)
			}
			// The wire form round-trips.
			back, err := ParseResult(got.Append(nil))
			if err != nil || back != got {
				t.Fatalf("ParseResult(Append()) = %+v, %v", back, err)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	good := testConfigJSON()
	for _, tc := range []struct {
		name       string
		in         string
		wantLeeway int64 // milliseconds
		wantErr    bool
	}{
		{"good", good, 30_000, false},
		{"no leeway", strings.Replace(good, `"leeway_s":30,`, "", 1), 0, false},
		{"missing jwks", `{"iss":"a","aud":"b"}`, 0, true},
		{"unknown member", strings.Replace(good, `{`, `{"x":1,`, 1), 0, true},
		{"empty iss", strings.Replace(good, `"iss":"edgeflix-origin"`, `"iss":""`, 1), 0, true},
		{"float leeway", strings.Replace(good, `30`, `1.5`, 1), 0, true},
		{"bad jwks", strings.Replace(good, `"kty":"OKP"`, `"kty":"OKP","d":"x"`, 1), 0, true},
		{"not json", `iss=a`, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.in))
			if tc.wantErr {
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("ParseConfig error = %v, want ErrConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Issuer != "edgeflix-origin" || cfg.Audience != "edgeflix-edge" || len(cfg.Keys) != 1 || cfg.LeewayMillis != tc.wantLeeway {
				t.Fatalf("ParseConfig = %+v", cfg)
			}
		})
	}
}

func TestParseResult(t *testing.T) {
	for _, in := range []string{"", "allow", "allow\n\n\n", "deny\n\n\n", "deny\nx\n/p\n", "maybe\n\n/p\n", "allow\nwhy\n/p\nc"} {
		t.Run(in, func(t *testing.T) {
			if _, err := ParseResult([]byte(in)); !errors.Is(err, ErrResult) {
				t.Fatalf("ParseResult(%q) error = %v", in, err)
			}
		})
	}
}

// FuzzCheck feeds arbitrary request paths to the gate: it must never panic,
// and an allowed path is always clean and inside the token's prefix.
func FuzzCheck(f *testing.F) {
	good := testToken(f, "/v1/media/a/", testNow.Add(time.Hour))
	f.Add("/t/" + good + "/v1/media/a/master.m3u8")
	f.Add("/t/" + good + "/v1/media/a/../b/x")
	f.Add("/t/x/y")
	f.Add("/healthz")
	g := newTestGate(f)
	f.Fuzz(func(t *testing.T, p string) {
		r := g.Check(p, testNow.UnixMilli())
		if _, err := ParseResult(r.Append(nil)); err != nil {
			t.Fatalf("result for %q does not round-trip: %+v", p, r)
		}
		if r.Status == Allow && (!strings.HasPrefix(r.Path, "/v1/media/a/") || !cleanPath(r.Path)) {
			t.Fatalf("allowed %q as %q", p, r.Path)
		}
	})
}

// FuzzParseConfig checks that ParseConfig never panics.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(testConfigJSON()))
	f.Add([]byte(`{"iss":"a","aud":"b","jwks":{"keys":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err == nil && cfg.Keys == nil {
			t.Fatal("accepted a config without keys")
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	g := newTestGate(b)
	p := "/t/" + testToken(b, "/v1/media/a/", testNow.Add(time.Hour)) + "/v1/media/a/1080p/seg_00001.m4s"
	b.ReportAllocs()
	for b.Loop() {
		if r := g.Check(p, testNow.UnixMilli()); r.Status != Allow {
			b.Fatal(r)
		}
	}
}

// TestParseConfigReadsWriter: the one parser reads what the one writer
// (contract.ModuleConfig, used by the edge and the CLI) writes.
func TestParseConfigReadsWriter(t *testing.T) {
	x := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	w := contract.ModuleConfig{Issuer: "iss \"q\"\n", Audience: contract.DefaultAudience, LeewaySeconds: 7, CacheSize: -1,
		JWKS: []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"` + x + `"}]}`)}
	cfg, err := ParseConfig(w.AppendJSON(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Issuer != w.Issuer || cfg.Audience != w.Audience || cfg.LeewayMillis != 7000 || cfg.CacheSize != -1 || len(cfg.Keys["k1"]) != 32 {
		t.Fatalf("ParseConfig = %+v", cfg)
	}
}

// tamper changes one byte of tok's signature (one that carries all six
// bits, so the change is never absorbed by base64 padding bits).
func tamper(tok string) string {
	i := len(tok) - 5
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
