package origin_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
)

// TestOpenIDConfiguration checks the discovery document JWT authorizers
// read: the RFC 8414 metadata at the OpenID path, with no ID-token claims.
func TestOpenIDConfiguration(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do("GET", origin.OpenIDConfigurationPath, nil, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	_, rfc8414 := e.do("GET", "/.well-known/oauth-authorization-server", nil, nil)
	var oidc, meta map[string]any
	if err := json.Unmarshal(body, &oidc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(rfc8414, &meta); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ member, want string }{
		{"issuer", contract.DefaultIssuer},
		{"jwks_uri", e.url + "/.well-known/jwks.json"},
		{"authorization_endpoint", e.url + "/oauth/authorize"},
		{"token_endpoint", e.url + "/oauth/token"},
		{"device_authorization_endpoint", e.url + "/oauth/device_authorization"},
		{"revocation_endpoint", e.url + "/oauth/revoke"},
	} {
		t.Run(tc.member, func(t *testing.T) {
			if oidc[tc.member] != tc.want {
				t.Fatalf("%s = %v, want %s", tc.member, oidc[tc.member], tc.want)
			}
			if meta[tc.member] != oidc[tc.member] {
				t.Fatalf("%s differs from the RFC 8414 document: %v", tc.member, meta[tc.member])
			}
		})
	}
	for _, absent := range []string{"id_token_signing_alg_values_supported", "userinfo_endpoint", "subject_types_supported"} {
		if _, ok := oidc[absent]; ok {
			t.Errorf("%s claimed, but no ID tokens are issued", absent)
		}
	}
	if resp, _ := e.do("POST", origin.OpenIDConfigurationPath, nil, nil); resp.StatusCode != 405 {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	// The key set it points to is the one tokens verify against.
	resp, jwks := e.do("GET", "/.well-known/jwks.json", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(jwks), `"kid"`) {
		t.Fatalf("jwks: %d %s", resp.StatusCode, jwks)
	}
}

// TestRevocationFailsClosed signs in against a working Redis, then asks a
// second origin on the same database whose Redis is a closed port:
// management and token-minting routes answer 503, catalog reads still work.
func TestRevocationFailsClosed(t *testing.T) {
	var cfg origin.Config
	e := newEnvWith(t, func(c *origin.Config) { cfg = *c })
	s := e.signIn(randomEmail(), true, url.Values{"device_class": {"desktop"}, "device_name": {"Laptop"}})
	_, list := e.send("GET", "/v1/profiles", s.access, "")
	var profiles struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(list, &profiles); err != nil || len(profiles.Items) == 0 {
		t.Fatalf("profiles: %s %v", list, err)
	}
	pid := profiles.Items[0].ID

	d := e.twin(cfg, func(c *origin.Config) { c.Redis = downRedis(t) })

	for _, tc := range []struct {
		name, method, path, body string
		want                     int
	}{
		{"account", "GET", "/v1/account", "", 503},
		{"list devices", "GET", "/v1/devices", "", 503},
		{"rename device", "PATCH", "/v1/devices/0", `{"name":"x"}`, 503},
		{"revoke device", "DELETE", "/v1/devices/0", "", 503},
		{"list profiles", "GET", "/v1/profiles", "", 503},
		{"create profile", "POST", "/v1/profiles", `{"name":"Kid","kids":true}`, 503},
		{"change profile", "PATCH", "/v1/profiles/" + pid, `{"name":"y"}`, 503},
		{"select profile (mints a token)", "POST", "/v1/profiles/" + pid + "/select", "", 503},
		{"approve a TV (mints tokens)", "POST", "/v1/device/approve", `{"user_code":"BCDF-GHJK"}`, 503},
		{"catalog read stays open", "GET", "/v1/titles", "", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := d.send(tc.method, tc.path, s.access, tc.body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if tc.want == 503 {
				if resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("Retry-After") == "" {
					t.Fatalf("headers %v", resp.Header)
				}
			}
		})
	}
	t.Run("token revocation", func(t *testing.T) {
		resp, body := d.postForm("/oauth/revoke", url.Values{"token": {s.access}, "client_id": {oauth.WebClientID}, "token_type_hint": {"access_token"}})
		if resp.StatusCode != 503 {
			t.Fatalf("revoke: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("no token is still 401", func(t *testing.T) {
		if resp, _ := d.send("GET", "/v1/devices", "", ""); resp.StatusCode != 401 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	// With Redis back, a revoked token is refused by the strict routes.
	t.Run("revoked token with redis up", func(t *testing.T) {
		if resp, b := e.postForm("/oauth/revoke", url.Values{"token": {s.access}, "client_id": {oauth.WebClientID}, "token_type_hint": {"access_token"}}); resp.StatusCode != 200 {
			t.Fatalf("revoke: %d %s", resp.StatusCode, b)
		}
		if resp, b := e.send("GET", "/v1/devices", s.access, ""); resp.StatusCode != 401 {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
	})
}

// TestTrustedProxiesRateLimit checks that the per-IP limit keys on the
// X-Forwarded-For client only when the peer (loopback here) is trusted.
func TestTrustedProxiesRateLimit(t *testing.T) {
	limits := oauth.DefaultLimits()
	limits.SignUpIP = ratelimit.Limit{Rate: 1, Burst: 1, Period: time.Hour}
	for _, tc := range []struct {
		name    string
		trusted []string
		// the second sign-up comes from another forwarded client
		want int
	}{
		{"untrusted peer: spoofed header ignored, same key", nil, 429},
		{"other proxies trusted: loopback still the client", []string{"10.0.0.0/8"}, 429},
		{"loopback trusted: forwarded clients keyed apart", []string{"127.0.0.0/8"}, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, err := oauth.ParseTrustedProxies(tc.trusted)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnvWith(t, func(c *origin.Config) { c.TrustedProxies = tp; c.RateLimits = limits })
			signUp := func(xff string) int {
				h := http.Header{"Content-Type": {"application/json"}, "X-Forwarded-For": {xff}}
				resp, _ := e.do("POST", "/v1/accounts", h, strings.NewReader(`{"email":"`+randomEmail()+`","password":"correct horse battery"}`))
				return resp.StatusCode
			}
			if st := signUp("198.51.100.1"); st != 201 {
				t.Fatalf("first sign-up: %d", st)
			}
			if st := signUp("6.6.6.6, 198.51.100.2"); st != tc.want {
				t.Fatalf("second sign-up from another client: %d, want %d", st, tc.want)
			}
			if st := signUp("198.51.100.2"); st != 429 && tc.want == 201 {
				t.Fatalf("third sign-up from the second client: %d, want 429", st)
			}
		})
	}
}
