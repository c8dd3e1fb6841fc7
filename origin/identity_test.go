package origin_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

func TestCreateAccount(t *testing.T) {
	e := newEnv(t)
	e.createAccount("taken@example.com", "taken-password")
	cases := []struct {
		name, ctype, body string
		status            int
		problem           string
	}{
		{"good", "application/json", `{"email":"  New.User@Example.COM ","password":"longenough"}`, 201, ""},
		{"duplicate", "application/json", `{"email":"taken@example.com","password":"password2"}`, 409, "email-taken"},
		{"duplicate other domain case", "application/json", `{"email":"taken@EXAMPLE.com","password":"password2"}`, 409, "email-taken"},
		{"bad email", "application/json", `{"email":"not-an-email","password":"password2"}`, 400, "invalid-email"},
		{"email without domain dot", "application/json", `{"email":"a@localhost","password":"password2"}`, 400, "invalid-email"},
		{"short password", "application/json", `{"email":"short@example.com","password":"1234567"}`, 400, "invalid-password"},
		{"long password", "application/json", `{"email":"long@example.com","password":"` + strings.Repeat("x", 129) + `"}`, 400, "invalid-password"},
		{"unknown field", "application/json", `{"email":"u@example.com","password":"password2","admin":true}`, 400, "invalid-body"},
		{"wrong type", "application/json", `{"email":"w@example.com","password":12345678}`, 400, "invalid-body"},
		{"trailing data", "application/json", `{"email":"t@example.com","password":"password2"}{}`, 400, "invalid-body"},
		{"not json", "application/json", `email=x`, 400, "invalid-body"},
		{"wrong content type", "text/plain", `{"email":"c@example.com","password":"password2"}`, 415, "unsupported-media-type"},
		{"huge body", "application/json", `{"email":"h@example.com","password":"` + strings.Repeat("x", 20<<10) + `"}`, 413, "body-too-large"},
		{"body over server limit", "application/json", `{"email":"h@example.com","password":"` + strings.Repeat("x", 2<<20) + `"}`, 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "body over server limit" {
				postOverServerLimit(t, e, c.body)
				return
			}
			resp, b := e.do("POST", "/v1/accounts", map[string][]string{"Content-Type": {c.ctype}}, strings.NewReader(c.body))
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			if c.status == 201 {
				var a struct{ ID, Email string }
				if err := json.Unmarshal(b, &a); err != nil || a.ID == "" || a.Email != "new.user@example.com" {
					t.Fatalf("body %s (%v)", b, err)
				}
				var hash string
				e.db.QueryRow("SELECT password_hash FROM accounts WHERE id = ?", a.ID).Scan(&hash)
				if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
					t.Fatalf("stored hash %q", hash)
				}
				return
			}
			if c.problem == "" {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			var p struct {
				Type, Title string
				Status      int
			}
			if err := json.Unmarshal(b, &p); err != nil || !strings.HasSuffix(p.Type, "/"+c.problem) || p.Status != c.status || p.Title == "" {
				t.Fatalf("problem %s (%v)", b, err)
			}
		})
	}
}

func TestMetadataAndJWKS(t *testing.T) {
	e := newEnv(t)
	resp, b := e.get("/.well-known/oauth-authorization-server", "")
	if resp.StatusCode != 200 {
		t.Fatalf("metadata %d", resp.StatusCode)
	}
	var md map[string]any
	json.Unmarshal(b, &md)
	want := map[string]string{
		"issuer": "edgeflix-origin", "authorization_endpoint": e.url + "/oauth/authorize",
		"token_endpoint": e.url + "/oauth/token", "jwks_uri": e.url + "/.well-known/jwks.json",
	}
	for k, v := range want {
		if md[k] != v {
			t.Errorf("%s = %v, want %v", k, md[k], v)
		}
	}
	if s, _ := json.Marshal(md["code_challenge_methods_supported"]); string(s) != `["S256"]` {
		t.Errorf("code_challenge_methods_supported %s", s)
	}
	if s, _ := json.Marshal(md["token_endpoint_auth_methods_supported"]); string(s) != `["none"]` {
		t.Errorf("token_endpoint_auth_methods_supported %s", s)
	}
	resp, b = e.get("/.well-known/jwks.json", "")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=60" {
		t.Fatalf("jwks %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	var set struct{ Keys []map[string]string }
	json.Unmarshal(b, &set)
	signer, _ := e.srv.Keys().Signer()
	if len(set.Keys) != 1 || set.Keys[0]["kid"] != signer.ID || set.Keys[0]["kty"] != "OKP" || set.Keys[0]["crv"] != "Ed25519" ||
		set.Keys[0]["use"] != "sig" || set.Keys[0]["alg"] != "EdDSA" {
		t.Fatalf("jwks %s", b)
	}
	x, _ := base64.RawURLEncoding.DecodeString(set.Keys[0]["x"])
	if !ed25519.PublicKey(x).Equal(signer.Private.Public()) {
		t.Fatal("jwks x is not the signing key")
	}
	if strings.Contains(string(b), `"d"`) {
		t.Fatal("jwks leaks a private part")
	}
}

func TestAuthorizationCodeFlow(t *testing.T) {
	e := newEnv(t)
	e.createAccount("viewer@example.com", "correct horse battery")
	redirect := e.url + "/app/callback"
	verifier, challenge := pkce()
	authQuery := url.Values{"response_type": {"code"}, "client_id": {"edgeflix-web"}, "redirect_uri": {redirect},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"xyz"}, "scope": {"catalog playback"}}

	t.Run("login form", func(t *testing.T) {
		resp, b := e.get("/oauth/authorize?"+authQuery.Encode(), "")
		page := string(b)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{`<form method="post"`, `name="email"`, `name="password"`, `<button type="submit"`,
			`name="code_challenge" value="` + challenge + `"`, `name="state" value="xyz"`} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %s", want)
			}
		}
	})
	t.Run("bad client or redirect never redirects", func(t *testing.T) {
		for _, mod := range []url.Values{{"client_id": {"evil"}}, {"redirect_uri": {"https://evil.example/cb"}}, {"redirect_uri": {redirect + "/x"}}} {
			q := url.Values{}
			for k, v := range authQuery {
				q[k] = v
			}
			for k, v := range mod {
				q[k] = v
			}
			resp, _ := e.get("/oauth/authorize?"+q.Encode(), "")
			if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
				t.Errorf("%v: %d location %q", mod, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})
	t.Run("plain PKCE is redirected with an error", func(t *testing.T) {
		q := url.Values{}
		for k, v := range authQuery {
			q[k] = v
		}
		q.Set("code_challenge_method", "plain")
		resp, _ := e.get("/oauth/authorize?"+q.Encode(), "")
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != 302 || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("state") != "xyz" {
			t.Fatalf("%d %s", resp.StatusCode, loc)
		}
	})
	t.Run("wrong credentials", func(t *testing.T) {
		for _, cred := range [][2]string{{"viewer@example.com", "wrong password"}, {"nobody@example.com", "correct horse battery"}} {
			form := url.Values{"email": {cred[0]}, "password": {cred[1]}}
			for k, v := range authQuery {
				form[k] = v
			}
			resp, b := e.postForm("/oauth/authorize", form)
			if resp.StatusCode != 401 || !strings.Contains(string(b), "email or password is wrong") || !strings.Contains(string(b), `name="password"`) {
				t.Fatalf("%v: %d %s", cred, resp.StatusCode, b)
			}
		}
	})

	code := func(t *testing.T) string {
		t.Helper()
		form := url.Values{"email": {"Viewer@EXAMPLE.com"}, "password": {"correct horse battery"}}
		for k, v := range authQuery {
			form[k] = v
		}
		resp, b := e.postForm("/oauth/authorize", form)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != 302 || !strings.HasPrefix(loc.String(), redirect+"?") || loc.Query().Get("state") != "xyz" || loc.Query().Get("code") == "" {
			t.Fatalf("authorize: %d %s %s", resp.StatusCode, loc, b)
		}
		return loc.Query().Get("code")
	}
	exchange := func(code, verifier, redirectURI, client string) (int, tokenResponse) {
		return e.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {client},
			"redirect_uri": {redirectURI}, "code_verifier": {verifier}})
	}

	var refresh string
	t.Run("code exchange", func(t *testing.T) {
		c := code(t)
		st, tr := exchange(c, verifier, redirect, "edgeflix-web")
		if st != 200 || tr.TokenType != "Bearer" || tr.ExpiresIn != 900 || tr.AccessToken == "" || tr.RefreshToken == "" || tr.Scope != "catalog playback" {
			t.Fatalf("%d %+v", st, tr)
		}
		resp, b := e.get("/v1/titles", tr.AccessToken)
		if resp.StatusCode != 200 {
			t.Fatalf("titles with token: %d %s", resp.StatusCode, b)
		}
		if st, tr := exchange(c, verifier, redirect, "edgeflix-web"); st != 400 || tr.Error != "invalid_grant" {
			t.Fatalf("reused code: %d %+v", st, tr)
		}
		// The replay revoked what the code issued: the access token and
		// the refresh token.
		if resp, _ := e.get("/v1/titles", tr.AccessToken); resp.StatusCode != 401 {
			t.Fatalf("access token of a replayed code: %d", resp.StatusCode)
		}
		if st, rt := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}, "client_id": {"edgeflix-web"}}); st != 400 || rt.Error != "invalid_grant" {
			t.Fatalf("refresh token of a replayed code: %d %+v", st, rt)
		}
		st, tr = exchange(code(t), verifier, redirect, "edgeflix-web")
		if st != 200 {
			t.Fatalf("%d %+v", st, tr)
		}
		refresh = tr.RefreshToken
	})
	t.Run("exchange errors", func(t *testing.T) {
		other, _ := pkce()
		cases := []struct {
			name, verifier, redirect, client, grant string
			status                                  int
			err                                     string
		}{
			{"wrong verifier", other, redirect, "edgeflix-web", "authorization_code", 400, "invalid_grant"},
			{"wrong redirect", verifier, e.url + "/app/other", "edgeflix-web", "authorization_code", 400, "invalid_grant"},
			{"unknown client", verifier, redirect, "evil", "authorization_code", 401, "invalid_client"},
			{"missing verifier", "", redirect, "edgeflix-web", "authorization_code", 400, "invalid_request"},
			{"unsupported grant", verifier, redirect, "edgeflix-web", "password", 400, "unsupported_grant_type"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				st, tr := e.token(url.Values{"grant_type": {c.grant}, "code": {code(t)}, "client_id": {c.client},
					"redirect_uri": {c.redirect}, "code_verifier": {c.verifier}})
				if st != c.status || tr.Error != c.err {
					t.Fatalf("%d %+v", st, tr)
				}
			})
		}
	})
	t.Run("unknown code", func(t *testing.T) {
		c := code(t)
		st, tr := exchange(c+"x", verifier, redirect, "edgeflix-web")
		if st != 400 || tr.Error != "invalid_grant" {
			t.Fatalf("%d %+v", st, tr)
		}
	})
	t.Run("refresh rotation", func(t *testing.T) {
		st, tr := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"edgeflix-web"}})
		if st != 200 || tr.RefreshToken == "" || tr.RefreshToken == refresh || tr.AccessToken == "" {
			t.Fatalf("%d %+v", st, tr)
		}
		if resp, _ := e.get("/v1/titles", tr.AccessToken); resp.StatusCode != 200 {
			t.Fatalf("refreshed token rejected: %d", resp.StatusCode)
		}
		next := tr.RefreshToken
		// The old token is rejected, and its reuse revokes the family.
		if st, tr := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"edgeflix-web"}}); st != 400 || tr.Error != "invalid_grant" {
			t.Fatalf("old refresh token: %d %+v", st, tr)
		}
		if st, tr := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next}, "client_id": {"edgeflix-web"}}); st != 400 || tr.Error != "invalid_grant" {
			t.Fatalf("family not revoked after reuse: %d %+v", st, tr)
		}
	})
	t.Run("refresh expiry", func(t *testing.T) {
		_, tr := exchange(code(t), verifier, redirect, "edgeflix-web")
		e.clock.Add(31 * 24 * time.Hour)
		defer e.clock.Add(-31 * 24 * time.Hour)
		if st, tr := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}, "client_id": {"edgeflix-web"}}); st != 400 || tr.Error != "invalid_grant" {
			t.Fatalf("expired refresh token: %d %+v", st, tr)
		}
	})
}

func TestBearerRejectsForgedTokens(t *testing.T) {
	e := newEnv(t)
	good := e.login()
	if resp, _ := e.get("/v1/titles", good); resp.StatusCode != 200 {
		t.Fatalf("good token: %d", resp.StatusCode)
	}
	signer, _ := e.srv.Keys().Signer()
	now := e.clock.Now()
	claims := func(mod func(m jwt.MapClaims)) jwt.MapClaims {
		m := jwt.MapClaims{"iss": contract.DefaultIssuer, "aud": origin.DefaultAPIAudience, "sub": "1", "client_id": "edgeflix-web", "scope": "catalog playback",
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": "j1"}
		if mod != nil {
			mod(m)
		}
		return m
	}
	sign := func(m jwt.MapClaims, hdr map[string]any, key any, method jwt.SigningMethod) string {
		tk := jwt.NewWithClaims(method, m)
		tk.Header["typ"] = tokens.AccessTokenType
		tk.Header["kid"] = signer.ID
		for k, v := range hdr {
			tk.Header[k] = v
		}
		s, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	edSign := func(m jwt.MapClaims, hdr map[string]any) string {
		return sign(m, hdr, signer.Private, jwt.SigningMethodEdDSA)
	}
	// The control: a token made here the same way is accepted.
	if resp, _ := e.get("/v1/titles", edSign(claims(nil), nil)); resp.StatusCode != 200 {
		t.Fatalf("control token rejected: %d", resp.StatusCode)
	}
	pub := signer.Private.Public().(ed25519.PublicKey)
	_, attacker, _ := ed25519.GenerateKey(rand.Reader)
	attackerJWK := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(attacker.Public().(ed25519.PublicKey))}
	noneToken := func() string {
		tk := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil))
		tk.Header["kid"] = signer.ID
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
	goodParts := strings.Split(good, ".")
	cases := []struct{ name, token string }{
		{"alg none", noneToken},
		{"HS256 keyed with the public key", sign(claims(nil), nil, []byte(pub), jwt.SigningMethodHS256)},
		{"HS256 keyed with the base64 public key", sign(claims(nil), nil, []byte(base64.RawURLEncoding.EncodeToString(pub)), jwt.SigningMethodHS256)},
		{"wrong aud", edSign(claims(func(m jwt.MapClaims) { m["aud"] = "edgeflix-edge" }), nil)},
		{"aud array with other", edSign(claims(func(m jwt.MapClaims) { m["aud"] = []string{"other"} }), nil)},
		{"wrong iss", edSign(claims(func(m jwt.MapClaims) { m["iss"] = "evil" }), nil)},
		{"missing exp", edSign(claims(func(m jwt.MapClaims) { delete(m, "exp") }), nil)},
		{"expired", edSign(claims(func(m jwt.MapClaims) { m["exp"] = now.Add(-time.Minute).Unix() }), nil)},
		{"future iat", edSign(claims(func(m jwt.MapClaims) { m["iat"] = now.Add(time.Hour).Unix() }), nil)},
		{"future nbf", edSign(claims(func(m jwt.MapClaims) { m["nbf"] = now.Add(time.Hour).Unix() }), nil)},
		{"unknown kid", edSign(claims(nil), map[string]any{"kid": "nope"})},
		{"no kid", sign(claims(nil), map[string]any{"kid": nil}, signer.Private, jwt.SigningMethodEdDSA)},
		{"embedded jwk signed by attacker", sign(claims(nil), map[string]any{"jwk": attackerJWK}, attacker, jwt.SigningMethodEdDSA)},
		{"embedded jwk signed by us", edSign(claims(nil), map[string]any{"jwk": attackerJWK})},
		{"jku header", edSign(claims(nil), map[string]any{"jku": "https://evil.example/jwks"})},
		{"attacker key", sign(claims(nil), nil, attacker, jwt.SigningMethodEdDSA)},
		{"playback typ", edSign(claims(nil), map[string]any{"typ": "JWT"})},
		{"missing sub", edSign(claims(func(m jwt.MapClaims) { delete(m, "sub") }), nil)},
		{"bit flip in payload", goodParts[0] + "." + flip(goodParts[1], 5) + "." + goodParts[2]},
		{"bit flip in signature", goodParts[0] + "." + goodParts[1] + "." + flip(goodParts[2], 3)},
		{"bit flip in header", flip(goodParts[0], 4) + "." + goodParts[1] + "." + goodParts[2]},
		{"padded segments", goodParts[0] + "=." + goodParts[1] + "." + goodParts[2]},
		{"truncated", good[:len(good)-10]},
		{"garbage", "not.a.jwt"},
		{"empty", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := e.get("/v1/titles", c.token)
			if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("status %d www-authenticate %q: %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), b)
			}
		})
	}
	t.Run("good token expires", func(t *testing.T) {
		e.clock.Add(16 * time.Minute)
		defer e.clock.Add(-16 * time.Minute)
		if resp, _ := e.get("/v1/titles", good); resp.StatusCode != 401 {
			t.Fatalf("expired token accepted: %d", resp.StatusCode)
		}
	})
}

// postOverServerLimit posts a body over the server's read limit: the server
// answers 413 and closes the connection, and the client may see either the
// 413 or, if it was still writing the body, the connection reset. Either
// way nothing may be stored.
func postOverServerLimit(t *testing.T, e *env, body string) {
	t.Helper()
	req, err := http.NewRequest("POST", e.url+"/v1/accounts", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.http.Do(req)
	switch {
	case err != nil && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE):
		t.Fatalf("request: %v", err)
	case err == nil:
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", resp.StatusCode)
		}
	}
	var n int
	if err := e.db.QueryRow("SELECT COUNT(*) FROM accounts WHERE email = ?", "h@example.com").Scan(&n); err != nil || n != 0 {
		t.Fatalf("accounts stored for the refused body: %d (%v)", n, err)
	}
}
