package origin_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/keys"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

type forged struct{ name, token string }

// forgeries returns tokens that must all be refused where a token of the
// kind of base (claims) and typ is accepted. signer is the origin's real
// key; good is a real token of that kind; other is a real token of the
// other kind (access vs playback).
func forgeries(t *testing.T, signer keys.Key, base jwt.MapClaims, typ, good, other string) []forged {
	t.Helper()
	now := time.Unix(int64(base["iat"].(int64)), 0)
	claims := func(mod func(m jwt.MapClaims)) jwt.MapClaims {
		m := jwt.MapClaims{}
		for k, v := range base {
			m[k] = v
		}
		if mod != nil {
			mod(m)
		}
		return m
	}
	sign := func(m jwt.MapClaims, hdr map[string]any, key any, method jwt.SigningMethod) string {
		tk := jwt.NewWithClaims(method, m)
		tk.Header["typ"] = typ
		tk.Header["kid"] = signer.ID
		for k, v := range hdr {
			if v == nil {
				delete(tk.Header, k)
			} else {
				tk.Header[k] = v
			}
		}
		s, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ed := func(m jwt.MapClaims, hdr map[string]any) string {
		return sign(m, hdr, signer.Private, jwt.SigningMethodEdDSA)
	}
	pub := signer.Private.Public().(ed25519.PublicKey)
	jwkJSON, _ := json.Marshal(map[string]string{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(pub), "kid": signer.ID, "use": "sig", "alg": "EdDSA"})
	_, attacker, _ := ed25519.GenerateKey(rand.Reader)
	attackerJWK := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(attacker.Public().(ed25519.PublicKey))}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	none := func() string {
		tk := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil))
		tk.Header["kid"] = signer.ID
		tk.Header["typ"] = typ
		s, _ := tk.SignedString(jwt.UnsafeAllowNoneSignatureType)
		return s
	}()
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	parts := strings.Split(good, ".")
	out := []forged{
		{"alg none", none},
		{"alg none without signature dot", strings.TrimSuffix(none, ".")},
		{"HS256 keyed with the raw public key", sign(claims(nil), nil, []byte(pub), jwt.SigningMethodHS256)},
		{"HS256 keyed with the base64 public key", sign(claims(nil), nil, []byte(base64.RawURLEncoding.EncodeToString(pub)), jwt.SigningMethodHS256)},
		{"HS512 keyed with the JWK JSON", sign(claims(nil), nil, jwkJSON, jwt.SigningMethodHS512)},
		{"RS256 with a made-up key", sign(claims(nil), nil, rsaKey, jwt.SigningMethodRS256)},
		{"embedded jwk signed by attacker", sign(claims(nil), map[string]any{"jwk": attackerJWK}, attacker, jwt.SigningMethodEdDSA)},
		{"embedded jwk, no kid, attacker", sign(claims(nil), map[string]any{"jwk": attackerJWK, "kid": nil}, attacker, jwt.SigningMethodEdDSA)},
		{"embedded jwk signed by us", ed(claims(nil), map[string]any{"jwk": attackerJWK})},
		{"jku header", ed(claims(nil), map[string]any{"jku": "https://evil.example/jwks.json"})},
		{"x5u header", ed(claims(nil), map[string]any{"x5u": "https://evil.example/cert.pem"})},
		{"x5c header", ed(claims(nil), map[string]any{"x5c": []string{"MIIBIjANBgkq"}})},
		{"crit header", ed(claims(nil), map[string]any{"crit": []string{"exp"}})},
		{"attacker key, our kid", sign(claims(nil), nil, attacker, jwt.SigningMethodEdDSA)},
		{"kid empty", ed(claims(nil), map[string]any{"kid": ""})},
		{"kid missing", ed(claims(nil), map[string]any{"kid": nil})},
		{"kid path traversal", ed(claims(nil), map[string]any{"kid": "../../../../etc/passwd"})},
		{"kid SQL", ed(claims(nil), map[string]any{"kid": "x' OR '1'='1"})},
		{"kid very long", ed(claims(nil), map[string]any{"kid": strings.Repeat("k", 10000)})},
		{"kid unknown", ed(claims(nil), map[string]any{"kid": "unknown-kid"})},
		{"kid number", ed(claims(nil), map[string]any{"kid": 1})},
		{"missing exp", ed(claims(func(m jwt.MapClaims) { delete(m, "exp") }), nil)},
		{"expired", ed(claims(func(m jwt.MapClaims) { m["exp"] = now.Add(-2 * time.Minute).Unix() }), nil)},
		{"exp as string", ed(claims(func(m jwt.MapClaims) { m["exp"] = "9999999999" }), nil)},
		{"future nbf", ed(claims(func(m jwt.MapClaims) { m["nbf"] = now.Add(time.Hour).Unix() }), nil)},
		{"future iat", ed(claims(func(m jwt.MapClaims) { m["iat"] = now.Add(time.Hour).Unix() }), nil)},
		{"wrong aud", ed(claims(func(m jwt.MapClaims) { m["aud"] = "someone-else" }), nil)},
		{"aud array without ours", ed(claims(func(m jwt.MapClaims) { m["aud"] = []string{"someone-else"} }), nil)},
		{"missing aud", ed(claims(func(m jwt.MapClaims) { delete(m, "aud") }), nil)},
		{"wrong iss", ed(claims(func(m jwt.MapClaims) { m["iss"] = "https://evil.example" }), nil)},
		{"missing iss", ed(claims(func(m jwt.MapClaims) { delete(m, "iss") }), nil)},
		{"token of the other kind", other},
		{"oversized", ed(claims(func(m jwt.MapClaims) { m["pad"] = strings.Repeat("p", 64<<10) }), nil)},
		{"truncated", good[:len(good)-10]},
		{"two dots only", ".."},
		{"four parts", good + ".x"},
		{"padded header", parts[0] + "=." + parts[1] + "." + parts[2]},
		{"empty", ""},
	}
	for i := 2; i < len(parts[0]); i += 7 {
		out = append(out, forged{"bit flip header " + string(rune('0'+i%10)), flip(parts[0], i) + "." + parts[1] + "." + parts[2]})
	}
	for _, i := range []int{0, 5, len(parts[1]) / 2, len(parts[1]) - 2} {
		out = append(out, forged{"bit flip payload", parts[0] + "." + flip(parts[1], i) + "." + parts[2]})
	}
	for _, i := range []int{0, 10, 40, len(parts[2]) - 2} {
		out = append(out, forged{"bit flip signature", parts[0] + "." + parts[1] + "." + flip(parts[2], i)})
	}
	return out
}

// startEdge runs a real edge (the Wasm module under wazero) in front of e.
func startEdge(t *testing.T, e *env) (string, *edge.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := edge.New(ctx, edge.Config{OriginURL: e.url, Module: wasmbuild.Edge(t), PoolSize: 1,
		JWKSRefresh: 100 * time.Millisecond, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return "http://" + ln.Addr().String(), s
}

func (e *env) playbackToken(asset string) string {
	e.t.Helper()
	now := e.clock.Now()
	tok, err := tokens.Sign(e.srv.Keys(), "JWT", tokens.PlaybackClaims{
		Issuer: contract.DefaultIssuer, Audience: contract.DefaultAudience, Subject: "1", SessionID: "s1",
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), // outlives the key rotation steps
		Prefix: "/v1/media/" + asset + "/", Device: contract.Caps{Class: "desktop", MaxHeight: 1080, MaxBitrate: 8_000_000, Codecs: []string{"avc1", "mp4a"}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Kid string }
	json.Unmarshal(b, &h)
	return h.Kid
}

// TestJWTAttacksEverywhere runs the attack table against every place a
// token is accepted: the Bearer middleware, the refresh and revocation
// endpoints, and the edge's Wasm token gate. Then it rotates the signing
// key with tokens in flight.
func TestJWTAttacksEverywhere(t *testing.T) {
	limits := oauth.DefaultLimits()
	limits.TokenIP = ratelimit.PerSecond(1000, 1000) // the table sends hundreds
	e := newEnvWith(t, func(c *origin.Config) { c.RateLimits = limits })
	const asset = "attack-asset"
	e.putObject("media/"+asset+"/seg_00001.m4s", "video/iso.segment", []byte("segment bytes"))
	edgeURL, _ := startEdge(t, e)
	s := e.signIn(randomEmail(), true, nil)
	signer, _ := e.srv.Keys().Signer()
	now := e.clock.Now()
	play := e.playbackToken(asset)
	edgeGet := func(token string) int {
		resp, err := http.Get(edgeURL + "/t/" + token + "/v1/media/" + asset + "/seg_00001.m4s")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Controls: the real tokens are accepted.
	if resp, _ := e.get("/v1/account", s.access); resp.StatusCode != 200 {
		t.Fatalf("control access token: %d", resp.StatusCode)
	}
	if st := edgeGet(play); st != 200 {
		t.Fatalf("control playback token at the edge: %d", st)
	}
	victimJTI := claimsOf(t, s.access)["jti"].(string)
	accessBase := jwt.MapClaims{"iss": contract.DefaultIssuer, "aud": origin.DefaultAPIAudience, "sub": claimsOf(t, s.access)["sub"],
		"client_id": "edgeflix-web", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": victimJTI}
	playBase := jwt.MapClaims{"iss": contract.DefaultIssuer, "aud": contract.DefaultAudience, "sub": "1", "sid": "s1",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "pfx": "/v1/media/" + asset + "/",
		"dev": map[string]any{"cls": "desktop", "mh": 1080, "mbr": 8000000, "cdc": []string{"avc1", "mp4a"}, "hdr": false}}
	// A control forged the same way as the table but with nothing wrong.
	control := jwt.NewWithClaims(jwt.SigningMethodEdDSA, accessBase)
	control.Header["typ"], control.Header["kid"] = tokens.AccessTokenType, signer.ID
	ctl, _ := control.SignedString(signer.Private)
	if resp, _ := e.get("/v1/account", ctl); resp.StatusCode != 200 {
		t.Fatalf("control forged-the-same-way access token: %d", resp.StatusCode)
	}

	accepted := 0
	t.Run("bearer middleware", func(t *testing.T) {
		for _, f := range forgeries(t, signer, accessBase, tokens.AccessTokenType, s.access, play) {
			t.Run(f.name, func(t *testing.T) {
				req, err := http.NewRequest("GET", e.url+"/v1/account", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+f.token)
				resp, err := e.http.Do(req)
				if err != nil {
					// The server may answer an oversized header and close
					// before the client has written it all: a reset
					// connection is a refusal, not an acceptance.
					t.Logf("refused by the transport: %v", err)
					return
				}
				resp.Body.Close()
				// 401, or 400/431 when the token is too large for the
				// server's header limit.
				if resp.StatusCode != 401 && resp.StatusCode != 400 && resp.StatusCode != 431 {
					accepted++
					t.Errorf("status %d", resp.StatusCode)
				}
			})
		}
	})
	t.Run("refresh endpoint", func(t *testing.T) {
		for _, f := range forgeries(t, signer, accessBase, tokens.AccessTokenType, s.access, play) {
			if st, tr := refreshWith(e, "edgeflix-web", f.token); st != 400 || tr.Error != "invalid_grant" && tr.Error != "invalid_request" {
				accepted++
				t.Errorf("%s: %d %+v", f.name, st, tr)
			}
		}
	})
	t.Run("revocation endpoint", func(t *testing.T) {
		// Every forgery names the victim's jti: had the endpoint trusted
		// one, the victim's token would now be refused.
		for _, f := range forgeries(t, signer, accessBase, tokens.AccessTokenType, ctl, play) {
			if f.name == "token of the other kind" {
				continue
			}
			resp, _ := e.postForm("/oauth/revoke", url.Values{"token": {f.token}, "token_type_hint": {"access_token"}, "client_id": {"edgeflix-web"}})
			if resp.StatusCode != 200 && resp.StatusCode != 400 {
				t.Errorf("%s: %d", f.name, resp.StatusCode)
			}
		}
		if resp, _ := e.get("/v1/account", s.access); resp.StatusCode != 200 {
			accepted++
			t.Fatalf("a forged token revoked the victim's: %d", resp.StatusCode)
		}
	})
	t.Run("edge", func(t *testing.T) {
		for _, f := range forgeries(t, signer, playBase, "JWT", play, s.access) {
			t.Run(f.name, func(t *testing.T) {
				if st := edgeGet(f.token); st == 200 || st < 400 {
					accepted++
					t.Errorf("status %d", st)
				}
			})
		}
	})
	t.Logf("forged tokens accepted: %d", accepted)

	t.Run("key rotation with tokens in flight", func(t *testing.T) {
		ctx := context.Background()
		oldKid := signer.ID
		e.clock.Add(time.Second) // keys are ordered by creation time
		newKid, err := e.srv.Keys().Rotate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The new key is published at once; the edge picks it up within
		// its refresh interval, without a restart.
		_, jwks := e.get("/.well-known/jwks.json", "")
		if !strings.Contains(string(jwks), newKid) || !strings.Contains(string(jwks), oldKid) {
			t.Fatalf("jwks %s", jwks)
		}
		e.clock.Add(keys.DefaultActivationDelay + time.Second)
		fresh := e.signIn(s.email, false, nil)
		newPlay := e.playbackToken(asset)
		if kidOf(t, fresh.access) != newKid || kidOf(t, newPlay) != newKid {
			t.Fatalf("new tokens signed by %s/%s, want %s", kidOf(t, fresh.access), kidOf(t, newPlay), newKid)
		}
		deadline := time.Now().Add(10 * time.Second)
		for edgeGet(newPlay) != 200 {
			if time.Now().After(deadline) {
				t.Fatal("edge never accepted the new key")
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Tokens in flight, signed by the old key, still work everywhere.
		if st := edgeGet(play); st != 200 {
			t.Fatalf("old playback token after rotation: %d", st)
		}
		if resp, _ := e.get("/v1/account", s.access); resp.StatusCode != 200 {
			t.Fatalf("old access token after rotation: %d", resp.StatusCode)
		}
		// Once retired (forced here), the old key's tokens stop at the edge.
		if err := e.srv.Keys().Retire(ctx, oldKid, true); err != nil {
			t.Fatal(err)
		}
		deadline = time.Now().Add(10 * time.Second)
		for edgeGet(play) != 403 {
			if time.Now().After(deadline) {
				t.Fatal("edge still accepts the retired key")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if st := edgeGet(newPlay); st != 200 {
			t.Fatalf("new token after retirement: %d", st)
		}
	})
}
