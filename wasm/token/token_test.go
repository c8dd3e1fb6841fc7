package token

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/edgeflix/edgeflix/internal/wycheproof"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIss = "edgeflix-origin"
	testAud = "edgeflix-edge"
	testKid = "k1"
)

var (
	testPriv   = ed25519.NewKeyFromSeed(make([]byte, 32))
	testPub    = testPriv.Public().(ed25519.PublicKey)
	otherPriv  = ed25519.NewKeyFromSeed([]byte("0123456789abcdef0123456789abcdef"))
	testNow    = time.Unix(1_700_000_000, 0)
	testLeeway = 30 * time.Second
	testKeys   = KeySet{testKid: testPub}
)

// testClaims is how a golang-jwt consumer reads a playback token.
type testClaims struct {
	jwt.RegisteredClaims
	SID string  `json:"sid"`
	Pfx string  `json:"pfx"`
	Dev testDev `json:"dev"`
}

type testDev struct {
	Cls string   `json:"cls"`
	MH  int64    `json:"mh"`
	MBR int64    `json:"mbr"`
	CDC []string `json:"cdc"`
	HDR bool     `json:"hdr"`
	RND []string `json:"rnd,omitempty"`
}

func goodClaims() testClaims {
	return testClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    testIss,
			Audience:  jwt.ClaimStrings{testAud},
			Subject:   "acc_1",
			IssuedAt:  jwt.NewNumericDate(testNow.Add(-time.Minute)),
			NotBefore: jwt.NewNumericDate(testNow.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(testNow.Add(time.Hour)),
		},
		SID: "ses_1",
		Pfx: "/v1/media/a/",
		Dev: testDev{Cls: "desktop", MH: 1080, MBR: 8_000_000, CDC: []string{"avc1", "mp4a"}, RND: []string{"360p", "720p", "audio"}},
	}
}

// sign signs claims with golang-jwt, the way the origin does.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.Claims, extraHeader map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	for k, v := range extraHeader {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSign(t testing.TB, mutate func(*testClaims)) string {
	c := goodClaims()
	if mutate != nil {
		mutate(&c)
	}
	return sign(t, jwt.SigningMethodEdDSA, testPriv, testKid, c, nil)
}

// rawToken signs arbitrary header and payload bytes with priv.
func rawToken(priv ed25519.PrivateKey, header, payload string) string {
	enc := base64.RawURLEncoding
	in := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	return in + "." + enc.EncodeToString(ed25519.Sign(priv, []byte(in)))
}

const goodHeader = `{"alg":"EdDSA","kid":"k1","typ":"JWT"}`

func goodPayload(t testing.TB) string {
	b, err := json.Marshal(goodClaims())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// strictParse is golang-jwt v5 configured as strictly as ARCHITECTURE.md asks.
func strictParse(s string, keys KeySet, now time.Time) (*testClaims, error) {
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{"EdDSA"}),
		jwt.WithAudience(testAud),
		jwt.WithIssuer(testIss),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(testLeeway),
		jwt.WithStrictDecoding(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	var c testClaims
	_, err := p.ParseWithClaims(s, &c, func(tok *jwt.Token) (any, error) {
		kid, ok := tok.Header["kid"].(string)
		if !ok {
			return nil, errors.New("no kid")
		}
		k, ok := keys[kid]
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return ed25519.PublicKey(k), nil
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func newTestVerifier(t testing.TB, cacheSize int) *Verifier {
	t.Helper()
	v, err := NewVerifier(Config{Issuer: testIss, Audience: testAud, LeewayMillis: testLeeway.Milliseconds(), Keys: testKeys, CacheSize: cacheSize})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func flip(s string, i int) string {
	b := []byte(s)
	// Swap to another base64url character so only the decoded bits change.
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestVerify(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := mustSign(t, nil)
	parts := strings.Split(good, ".")
	path := "/v1/media/a/master.m3u8"
	jwk := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(otherPriv.Public().(ed25519.PublicKey))}

	cases := []struct {
		name  string
		token string
		path  string
		now   time.Time
		want  error
	}{
		{"good", good, path, testNow, nil},
		{"good child playlist", good, "/v1/media/a/720p/index.m3u8", testNow, nil},
		{"good audio track", good, "/v1/media/a/audio/en/init.mp4", testNow, nil},
		{"rendition above the plan", good, "/v1/media/a/1080p/index.m3u8", testNow, ErrRendition},
		{"guessed hevc folder", good, "/v1/media/a/1080p_hevc/init.mp4", testNow, ErrRendition},
		{"rendition name prefix", good, "/v1/media/a/720/seg_00001.m4s", testNow, ErrRendition},
		{"rendition name extended", good, "/v1/media/a/720p2/seg_00001.m4s", testNow, ErrRendition},
		{"no rnd opens no folder", mustSign(t, func(c *testClaims) { c.Dev.RND = nil }), "/v1/media/a/720p/index.m3u8", testNow, ErrRendition},
		{"no rnd opens the master", mustSign(t, func(c *testClaims) { c.Dev.RND = nil }), path, testNow, nil},
		{"rnd not an array", rawToken(testPriv, goodHeader, `{"iss":"edgeflix-origin","aud":"edgeflix-edge","sub":"a","sid":"s","exp":1700003600,"pfx":"/v1/media/a/","dev":{"cls":"tv","mh":1,"mbr":1,"cdc":[],"rnd":"720p"}}`), path, testNow, ErrClaims},
		{"rnd bad name", mustSign(t, func(c *testClaims) { c.Dev.RND = []string{"../x"} }), path, testNow, ErrClaims},
		{"good aud array", mustSign(t, func(c *testClaims) { c.Audience = jwt.ClaimStrings{"other", testAud} }), path, testNow, nil},
		{"good without nbf and iat", mustSign(t, func(c *testClaims) { c.NotBefore, c.IssuedAt = nil, nil }), path, testNow, nil},
		{"good without typ", rawToken(testPriv, `{"kid":"k1","alg":"EdDSA"}`, goodPayload(t)), path, testNow, nil},
		{"good extra claim", rawToken(testPriv, goodHeader, strings.Replace(goodPayload(t), `{`, `{"jti":"x","extra":[1,2],`, 1)), path, testNow, nil},
		{"exp within leeway", good, path, testNow.Add(time.Hour + testLeeway - time.Millisecond), nil},
		{"exp at leeway edge", good, path, testNow.Add(time.Hour + testLeeway), ErrExpired},
		{"expired", good, path, testNow.Add(2 * time.Hour), ErrExpired},
		{"nbf in future", mustSign(t, func(c *testClaims) { c.NotBefore = jwt.NewNumericDate(testNow.Add(time.Minute)) }), path, testNow, ErrNotYetValid},
		{"nbf within leeway", mustSign(t, func(c *testClaims) { c.NotBefore = jwt.NewNumericDate(testNow.Add(testLeeway)) }), path, testNow, nil},
		{"iat in future", mustSign(t, func(c *testClaims) { c.IssuedAt = jwt.NewNumericDate(testNow.Add(time.Minute)) }), path, testNow, ErrIssuedInFuture},
		{"missing exp", mustSign(t, func(c *testClaims) { c.ExpiresAt = nil }), path, testNow, ErrClaims},
		{"wrong aud", mustSign(t, func(c *testClaims) { c.Audience = jwt.ClaimStrings{"edgeflix-origin"} }), path, testNow, ErrAudience},
		{"missing aud", mustSign(t, func(c *testClaims) { c.Audience = nil }), path, testNow, ErrAudience},
		{"wrong iss", mustSign(t, func(c *testClaims) { c.Issuer = "evil" }), path, testNow, ErrIssuer},
		{"prefix sibling", good, "/v1/media/ab/x.m4s", testNow, ErrPrefix},
		{"prefix other asset", good, "/v1/media/b/master.m3u8", testNow, ErrPrefix},
		{"prefix without slash", mustSign(t, func(c *testClaims) { c.Pfx = "/v1/media/a" }), path, testNow, ErrClaims},
		{"bad device class", mustSign(t, func(c *testClaims) { c.Dev.Cls = "fridge" }), path, testNow, ErrClaims},
		{"bad codec", mustSign(t, func(c *testClaims) { c.Dev.CDC = []string{"avc1;hdr=1"} }), path, testNow, ErrClaims},
		{"missing codecs", mustSign(t, func(c *testClaims) { c.Dev.CDC = nil }), path, testNow, ErrClaims},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, testKid, goodClaims(), nil), path, testNow, ErrHeader},
		{"HS256 with public key as secret", sign(t, jwt.SigningMethodHS256, []byte(testPub), testKid, goodClaims(), nil), path, testNow, ErrHeader},
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey, testKid, goodClaims(), nil), path, testNow, ErrHeader},
		{"ES256", sign(t, jwt.SigningMethodES256, ecKey, testKid, goodClaims(), nil), path, testNow, ErrHeader},
		{"embedded jwk", sign(t, jwt.SigningMethodEdDSA, otherPriv, testKid, goodClaims(), map[string]any{"jwk": jwk}), path, testNow, ErrHeader},
		{"jku", sign(t, jwt.SigningMethodEdDSA, testPriv, testKid, goodClaims(), map[string]any{"jku": "https://evil/jwks"}), path, testNow, ErrHeader},
		{"x5u", sign(t, jwt.SigningMethodEdDSA, testPriv, testKid, goodClaims(), map[string]any{"x5u": "https://evil/x5u"}), path, testNow, ErrHeader},
		{"x5c", sign(t, jwt.SigningMethodEdDSA, testPriv, testKid, goodClaims(), map[string]any{"x5c": []string{"AAAA"}}), path, testNow, ErrHeader},
		{"crit", sign(t, jwt.SigningMethodEdDSA, testPriv, testKid, goodClaims(), map[string]any{"crit": []string{"exp"}}), path, testNow, ErrHeader},
		{"typ other", sign(t, jwt.SigningMethodEdDSA, testPriv, testKid, goodClaims(), map[string]any{"typ": "at+jwt"}), path, testNow, ErrHeader},
		{"unknown kid", sign(t, jwt.SigningMethodEdDSA, testPriv, "k2", goodClaims(), nil), path, testNow, ErrUnknownKey},
		{"no kid", sign(t, jwt.SigningMethodEdDSA, testPriv, "", goodClaims(), nil), path, testNow, ErrHeader},
		{"other key same kid", sign(t, jwt.SigningMethodEdDSA, otherPriv, testKid, goodClaims(), nil), path, testNow, ErrSignature},
		{"flip header", flip(parts[0], 5) + "." + parts[1] + "." + parts[2], path, testNow, ErrMalformed},
		{"flip payload", parts[0] + "." + flip(parts[1], 10) + "." + parts[2], path, testNow, ErrSignature},
		{"flip signature", parts[0] + "." + parts[1] + "." + flip(parts[2], 10), path, testNow, ErrSignature},
		{"non-canonical signature bits", parts[0] + "." + parts[1] + "." + parts[2][:85] + string(rune(parts[2][85]+1)), path, testNow, ErrMalformed},
		{"padded signature", good + "==", path, testNow, ErrMalformed},
		{"padded header", rawToken(testPriv, goodHeader, goodPayload(t))[:0] + base64.URLEncoding.EncodeToString([]byte(goodHeader+"  ")) + "." + parts[1] + "." + parts[2], path, testNow, ErrMalformed},
		{"std alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(good), path, testNow, ErrMalformed},
		{"newline in segment", parts[0] + "." + parts[1][:4] + "\n" + parts[1][4:] + "." + parts[2], path, testNow, ErrMalformed},
		{"two segments", parts[0] + "." + parts[1], path, testNow, ErrMalformed},
		{"four segments", good + ".x", path, testNow, ErrMalformed},
		{"empty", "", path, testNow, ErrMalformed},
		{"oversized", rawToken(testPriv, goodHeader, strings.Replace(goodPayload(t), `{`, `{"pad":"`+strings.Repeat("x", MaxTokenLength)+`",`, 1)), path, testNow, ErrMalformed},
		{"duplicate header member", rawToken(testPriv, `{"alg":"EdDSA","kid":"k1","kid":"k1"}`, goodPayload(t)), path, testNow, ErrMalformed},
		{"duplicate claim", rawToken(testPriv, goodHeader, strings.Replace(goodPayload(t), `{`, `{"iss":"evil",`, 1)), path, testNow, ErrMalformed},
		{"case-folded claim", rawToken(testPriv, goodHeader, strings.Replace(goodPayload(t), `{`, `{"ISS":"evil",`, 1)), path, testNow, ErrClaims},
		{"unicode-folded claim", rawToken(testPriv, goodHeader, strings.Replace(goodPayload(t), `{`, `{"ſub":"evil",`, 1)), path, testNow, ErrClaims},
		{"float exp", rawToken(testPriv, goodHeader, `{"iss":"edgeflix-origin","aud":"edgeflix-edge","sub":"a","sid":"s","exp":1700003600.5,"pfx":"/v1/media/a/","dev":{"cls":"tv","mh":1,"mbr":1,"cdc":[]}}`), path, testNow, ErrClaims},
		{"string exp", rawToken(testPriv, goodHeader, `{"iss":"edgeflix-origin","aud":"edgeflix-edge","sub":"a","sid":"s","exp":"1700003600","pfx":"/v1/media/a/","dev":{"cls":"tv","mh":1,"mbr":1,"cdc":[]}}`), path, testNow, ErrClaims},
		{"payload not object", rawToken(testPriv, goodHeader, `[]`), path, testNow, ErrMalformed},
		{"invalid utf8 claim", rawToken(testPriv, goodHeader, strings.Replace(goodPayload(t), `"acc_1"`, "\"acc\xff\"", 1)), path, testNow, ErrMalformed},
	}
	v := newTestVerifier(t, -1)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Verify(tc.token, tc.path, tc.now.UnixMilli())
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify() error = %v, want %v", err, tc.want)
			}
			// Whatever we accept, strict golang-jwt accepts.
			jc, jerr := strictParse(tc.token, testKeys, tc.now)
			if err == nil {
				if jerr != nil {
					t.Fatalf("accepted a token golang-jwt rejects: %v", jerr)
				}
				assertSameClaims(t, c, jc)
			}
		})
	}
}

func assertSameClaims(t *testing.T, c Claims, jc *testClaims) {
	t.Helper()
	if c.Issuer != jc.Issuer || c.Subject != jc.Subject || c.SessionID != jc.SID || c.Prefix != jc.Pfx ||
		!slices.Equal(c.Audience, []string(jc.Audience)) || c.Expires != jc.ExpiresAt.Unix() ||
		c.IssuedAt != unixOrNoDate(jc.IssuedAt) || c.NotBefore != unixOrNoDate(jc.NotBefore) ||
		c.Caps.Class != jc.Dev.Cls || c.Caps.MaxHeight != jc.Dev.MH || c.Caps.MaxBitrate != jc.Dev.MBR ||
		!slices.Equal(c.Caps.Codecs, jc.Dev.CDC) || c.Caps.HDR != jc.Dev.HDR {
		t.Fatalf("claims differ: ours %+v, golang-jwt %+v", c, jc)
	}
}

// unixOrNoDate is d in Unix seconds, NoDate if nil.
func unixOrNoDate(d *jwt.NumericDate) int64 {
	if d == nil {
		return NoDate
	}
	return d.Unix()
}

func TestCache(t *testing.T) {
	v := newTestVerifier(t, 2)
	good := mustSign(t, nil)
	t.Run("hit checks prefix", func(t *testing.T) {
		if _, err := v.Verify(good, "/v1/media/a/x", testNow.UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(good, "/v1/media/b/x", testNow.UnixMilli()); !errors.Is(err, ErrPrefix) {
			t.Fatalf("cached token opened another prefix: %v", err)
		}
	})
	t.Run("hit checks exp", func(t *testing.T) {
		if _, err := v.Verify(good, "/v1/media/a/x", testNow.Add(2*time.Hour).UnixMilli()); !errors.Is(err, ErrExpired) {
			t.Fatalf("cached token used after exp: %v", err)
		}
	})
	t.Run("hit checks nbf", func(t *testing.T) {
		if _, err := v.Verify(good, "/v1/media/a/x", testNow.Add(-time.Hour).UnixMilli()); !errors.Is(err, ErrNotYetValid) {
			t.Fatalf("cached token used before nbf: %v", err)
		}
	})
	t.Run("same slot other token misses", func(t *testing.T) {
		// Same length and last 32 bytes (same tokenKey), one payload byte
		// changed: the cache must not answer for it.
		b := []byte(good)
		i := strings.IndexByte(good, '.') + 5
		b[i] ^= 'A' ^ 'B'
		forged := string(b)
		if tokenKey(forged) != tokenKey(good) || forged == good {
			t.Fatal("test token does not collide")
		}
		if _, err := v.Verify(forged, "/v1/media/a/x", testNow.UnixMilli()); err == nil {
			t.Fatal("colliding unverified token accepted")
		}
		if _, err := v.Admit(forged, "/v1/media/a/x", testNow.UnixMilli()); err == nil {
			t.Fatal("colliding unverified token admitted")
		}
	})
	t.Run("keeps no reference to its input", func(t *testing.T) {
		v := newTestVerifier(t, 4)
		buf := []byte(good)
		view := unsafe.String(unsafe.SliceData(buf), len(buf))
		if caps, err := v.Admit(view, "/v1/media/a/x", testNow.UnixMilli()); err != nil || caps == "" {
			t.Fatal(caps, err)
		}
		for i := range buf {
			buf[i] = 'x'
		}
		if !v.cached(good) {
			t.Fatal("cache lost the token when the caller's buffer changed")
		}
		if v.cached(view) {
			t.Fatal("cache answers for the overwritten bytes")
		}
	})
	t.Run("bounded", func(t *testing.T) {
		for i := range 10 {
			tok := mustSign(t, func(c *testClaims) { c.SID = fmt.Sprint("s", i) })
			if _, err := v.Verify(tok, "/v1/media/a/x", testNow.UnixMilli()); err != nil {
				t.Fatal(err)
			}
			if n := len(v.cache); n > 2 {
				t.Fatalf("cache holds %d entries, limit 2", n)
			}
		}
	})
	t.Run("expired entries dropped first", func(t *testing.T) {
		v := newTestVerifier(t, 2)
		short := mustSign(t, func(c *testClaims) { c.ExpiresAt = jwt.NewNumericDate(testNow.Add(time.Minute)) })
		long := mustSign(t, nil)
		for _, tok := range []string{short, long} {
			if _, err := v.Verify(tok, "/v1/media/a/x", testNow.UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
		third := mustSign(t, func(c *testClaims) { c.SID = "third" })
		if _, err := v.Verify(third, "/v1/media/a/x", testNow.Add(10*time.Minute).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if v.cached(short) {
			t.Fatal("expired entry kept")
		}
		if !v.cached(long) {
			t.Fatal("live entry evicted while an expired one could go")
		}
	})
}

func TestNewVerifier(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no issuer", Config{Audience: testAud, Keys: testKeys}},
		{"no audience", Config{Issuer: testIss, Keys: testKeys}},
		{"negative leeway", Config{Issuer: testIss, Audience: testAud, LeewayMillis: -1}},
		{"leeway too long", Config{Issuer: testIss, Audience: testAud, LeewayMillis: maxLeewayMillis + 1}},
		{"short key", Config{Issuer: testIss, Audience: testAud, Keys: KeySet{"k": make([]byte, 31)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewVerifier(tc.cfg); err == nil {
				t.Fatal("NewVerifier accepted a bad config")
			}
		})
	}
}

// TestWycheproof runs Project Wycheproof's Ed25519 vectors through the
// signature check Verify uses.
func TestWycheproof(t *testing.T) {
	for _, v := range wycheproof.Ed25519(t) {
		t.Run(fmt.Sprintf("tc%d", v.ID), func(t *testing.T) {
			if got := verifySignature(v.PublicKey, v.Msg, v.Sig); got != v.Valid {
				t.Fatalf("%s: verify = %v, want %v", v.Comment, got, v.Valid)
			}
		})
	}
}

func TestParseJWKS(t *testing.T) {
	x := base64.RawURLEncoding.EncodeToString(testPub)
	for _, tc := range []struct {
		name     string
		in       string
		wantKids []string
		wantErr  bool
	}{
		{"one key", `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"` + x + `","use":"sig","alg":"EdDSA"}]}`, []string{"k1"}, false},
		{"two keys", `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"` + x + `"},{"kty":"OKP","crv":"Ed25519","kid":"k2","x":"` + x + `"}]}`, []string{"k1", "k2"}, false},
		{"skips other types", `{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},{"kty":"OKP","crv":"X25519","kid":"x","x":"` + x + `"},{"kty":"OKP","crv":"Ed25519","kid":"e","use":"enc","x":"` + x + `"}]}`, nil, false},
		{"empty", `{"keys":[]}`, nil, false},
		{"private key", `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"` + x + `","d":"` + x + `"}]}`, nil, true},
		{"duplicate kid", `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"` + x + `"},{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"` + x + `"}]}`, nil, true},
		{"short x", `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"AAAA"}]}`, nil, true},
		{"no kid", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `"}]}`, nil, true},
		{"no keys", `{}`, nil, true},
		{"not json", `keys`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := ParseJWKS([]byte(tc.in))
			if tc.wantErr {
				if !errors.Is(err, ErrJWKS) {
					t.Fatalf("ParseJWKS error = %v, want ErrJWKS", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kids []string
			for k, pub := range ks {
				kids = append(kids, k)
				if !bytes.Equal(pub, testPub) {
					t.Fatalf("key %s differs", k)
				}
			}
			slices.Sort(kids)
			if !slices.Equal(kids, tc.wantKids) {
				t.Fatalf("kids = %v, want %v", kids, tc.wantKids)
			}
		})
	}
}

func TestReason(t *testing.T) {
	if got := Reason(fmt.Errorf("wrapped: %w", ErrExpired)); got != "expired" {
		t.Fatalf("Reason = %q", got)
	}
	if got := Reason(errors.New("other")); got != "invalid" {
		t.Fatalf("Reason = %q", got)
	}
}

// checkAgainstJWT fails if v accepts tok at now while strict golang-jwt rejects it.
func checkAgainstJWT(t *testing.T, v *Verifier, tok, path string, now time.Time) {
	c, err := v.Verify(tok, path, now.UnixMilli())
	if err != nil {
		return
	}
	jc, jerr := strictParse(tok, testKeys, now)
	if jerr != nil {
		t.Fatalf("verifier accepts %q, golang-jwt rejects: %v", tok, jerr)
	}
	assertSameClaims(t, c, jc)
}

// FuzzVerifyToken mutates whole tokens.
func FuzzVerifyToken(f *testing.F) {
	f.Add(mustSign(f, nil), "/v1/media/a/master.m3u8", int64(0))
	f.Add(mustSign(f, func(c *testClaims) { c.Audience = jwt.ClaimStrings{"x", testAud} }), "/v1/media/a/x", int64(3600))
	f.Add(rawToken(testPriv, `{"kid":"k1","alg":"EdDSA"}`, goodPayload(f)), "/v1/media/a/", int64(-60))
	f.Fuzz(func(t *testing.T, tok, path string, offset int64) {
		v := newTestVerifier(t, -1)
		checkAgainstJWT(t, v, tok, path, testNow.Add(time.Duration(offset%100_000)*time.Second))
	})
}

// FuzzVerifySigned mutates header and payload JSON and signs them, so the
// fuzzer reaches claim validation behind a valid signature.
func FuzzVerifySigned(f *testing.F) {
	f.Add(goodHeader, goodPayload(f), int64(0))
	f.Add(`{"kid":"k1","alg":"EdDSA"}`, `{"iss":"edgeflix-origin","aud":["edgeflix-edge"],"sub":"a","sid":"s","exp":1700003600,"nbf":1699999999,"iat":1699999999,"pfx":"/v1/media/a/","dev":{"cls":"tv","mh":2160,"mbr":16000000,"cdc":["hvc1","ec-3"],"hdr":true}}`, int64(100))
	f.Add(goodHeader, `{"iss":"edgeflix-origin","aud":"edgeflix-edge","sub":"a","sid":"s","exp":1700000030,"pfx":"/v1/media/a/","dev":{"cls":"phone","mh":1,"mbr":1,"cdc":[]},"Extra":{"k":null}}`, int64(-1))
	f.Fuzz(func(t *testing.T, header, payload string, offset int64) {
		v := newTestVerifier(t, -1)
		tok := rawToken(testPriv, header, payload)
		checkAgainstJWT(t, v, tok, "/v1/media/a/master.m3u8", testNow.Add(time.Duration(offset%100_000)*time.Second))
	})
}

func BenchmarkVerify(b *testing.B) {
	tok := mustSign(b, nil)
	path := "/v1/media/a/720p/seg_00001.m4s"
	b.Run("cold", func(b *testing.B) {
		v := newTestVerifier(b, -1)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(tok, path, testNow.UnixMilli()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		v := newTestVerifier(b, 0)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(tok, path, testNow.UnixMilli()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
