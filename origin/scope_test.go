package origin_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestScopesGateRoutes signs in with each grantable scope and checks that
// a token without the scope a route needs gets 403 insufficient_scope, and
// one with it gets past the check.
func TestScopesGateRoutes(t *testing.T) {
	e := newEnv(t)
	tokens := map[string]string{}
	for _, scope := range []string{"catalog", "playback", "catalog playback"} {
		tokens[scope] = e.signIn(randomEmail(), true, url.Values{"scope": {scope}}).access
	}
	for _, tc := range []struct {
		method, path, body string
		needs              string
	}{
		{"GET", "/v1/titles", "", "catalog"},
		{"GET", "/v1/titles/nope", "", "catalog"},
		{"GET", "/v1/browse/home", "", "catalog"},
		{"GET", "/v1/search?q=x", "", "catalog"},
		{"GET", "/v1/my-list", "", "catalog"},
		{"PUT", "/v1/my-list/nope", "", "catalog"},
		{"POST", "/v1/playback", `{"title_id":"nope","device":{"class":"desktop","max_height":1080,"codecs":["avc1"]}}`, "playback"},
		{"POST", "/v1/playback/nope/heartbeat", "", "playback"},
		{"DELETE", "/v1/playback/nope", "", "playback"},
	} {
		for scope, token := range tokens {
			t.Run(tc.method+" "+tc.path+" with "+scope, func(t *testing.T) {
				resp, body := e.send(tc.method, tc.path, token, tc.body)
				granted := strings.Contains(scope, tc.needs)
				refused := resp.StatusCode == 403 && strings.Contains(string(body), "insufficient_scope") &&
					strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`)
				if granted == refused {
					t.Fatalf("scope %q: %d %s %v", scope, resp.StatusCode, body, resp.Header)
				}
			})
		}
	}
}
