package oauth

import (
	"bytes"
	"crypto/rand"
	"errors"
	"net/url"
	"testing"
	"time"
)

func TestPKCE(t *testing.T) {
	// RFC 7636 Appendix B.
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	if got, want := Challenge(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; got != want {
		t.Errorf("Challenge = %q, want %q", got, want)
	}
	v, err := NewVerifier(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 43 {
		t.Errorf("verifier %q has %d chars, want 43", v, len(v))
	}
	v2, _ := NewVerifier(rand.Reader)
	if v == v2 {
		t.Error("two verifiers are equal")
	}
	if _, err := NewState(bytes.NewReader(nil)); err == nil {
		t.Error("NewState with an empty reader did not fail")
	}
}

func TestAuthorizeURL(t *testing.T) {
	got, err := AuthorizeURL("http://127.0.0.1:8080/oauth/authorize", "http://127.0.0.1:8080/app/callback", "ch", "st")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(got)
	want := map[string]string{
		"response_type": "code", "client_id": "edgeflix-web", "redirect_uri": "http://127.0.0.1:8080/app/callback",
		"code_challenge": "ch", "code_challenge_method": "S256", "state": "st",
	}
	for k, v := range want {
		if u.Query().Get(k) != v {
			t.Errorf("%s = %q, want %q", k, u.Query().Get(k), v)
		}
	}
	if u.Path != "/oauth/authorize" {
		t.Errorf("path %q", u.Path)
	}
}

func TestCallback(t *testing.T) {
	tests := []struct {
		name, query, state, want string
		err                      error
	}{
		{"ok", "?code=abc&state=s1", "s1", "abc", nil},
		{"ok without ?", "code=abc&state=s1", "s1", "abc", nil},
		{"state mismatch", "?code=abc&state=s2", "s1", "", ErrStateMismatch},
		{"no stored state", "?code=abc&state=", "", "", ErrStateMismatch},
		{"denied", "?error=access_denied&error_description=no&state=s1", "s1", "", ErrDenied},
		{"no code", "?state=s1", "s1", "", ErrBadResponse},
		{"bad query", "?%zz", "s1", "", ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Callback(tt.query, tt.state)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("Callback = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestParseTokenResponse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	prev := Tokens{Refresh: "old-refresh"}
	tests := []struct {
		name string
		body string
		want Tokens
		err  error
	}{
		{"full", `{"access_token":"a","refresh_token":"r","expires_in":900,"token_type":"Bearer"}`,
			Tokens{Access: "a", Refresh: "r", Expiry: now.Add(900 * time.Second)}, nil},
		{"keeps refresh", `{"access_token":"a","expires_in":60,"token_type":"bearer"}`,
			Tokens{Access: "a", Refresh: "old-refresh", Expiry: now.Add(time.Minute)}, nil},
		{"no expiry", `{"access_token":"a","token_type":"Bearer"}`, Tokens{Access: "a", Refresh: "old-refresh"}, nil},
		{"error", `{"error":"invalid_grant","error_description":"expired"}`, Tokens{}, ErrDenied},
		{"not json", `<html>`, Tokens{}, ErrBadResponse},
		{"no access token", `{"token_type":"Bearer"}`, Tokens{}, ErrBadResponse},
		{"wrong type", `{"access_token":"a","token_type":"mac"}`, Tokens{}, ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTokenResponse([]byte(tt.body), now, prev)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("got %+v, %v; want %+v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestExpired(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		expiry time.Time
		want   bool
	}{
		{"unknown", time.Time{}, false},
		{"future", now.Add(time.Hour), false},
		{"within skew", now.Add(10 * time.Second), true},
		{"past", now.Add(-time.Second), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Tokens{Expiry: tt.expiry}).Expired(now, 30*time.Second); got != tt.want {
				t.Errorf("Expired = %v", got)
			}
		})
	}
}

func TestParseMetadata(t *testing.T) {
	good := `{"issuer":"edgeflix-origin","authorization_endpoint":"http://o/oauth/authorize","token_endpoint":"http://o/oauth/token"}`
	m, err := ParseMetadata([]byte(good))
	if err != nil || m.TokenEndpoint != "http://o/oauth/token" {
		t.Fatalf("%+v %v", m, err)
	}
	for _, bad := range []string{`{`, `{"authorization_endpoint":"/rel","token_endpoint":"http://o/t"}`, `{"authorization_endpoint":"http://o/a"}`} {
		if _, err := ParseMetadata([]byte(bad)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("ParseMetadata(%s) = %v", bad, err)
		}
	}
}

func FuzzCallback(f *testing.F) {
	f.Add("?code=abc&state=s1", "s1")
	f.Add("?error=x", "")
	f.Fuzz(func(t *testing.T, q, state string) {
		code, err := Callback(q, state)
		if err == nil && (code == "" || state == "") {
			t.Fatalf("accepted %q with state %q", q, state)
		}
	})
}

func FuzzParseTokenResponse(f *testing.F) {
	f.Add([]byte(`{"access_token":"a","refresh_token":"r","expires_in":900,"token_type":"Bearer"}`))
	f.Add([]byte(`{"error":"invalid_grant"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := ParseTokenResponse(body, time.Unix(0, 0), Tokens{})
		if err == nil && tok.Access == "" {
			t.Fatal("accepted a response without access token")
		}
	})
}

func TestTokensEncodeDecode(t *testing.T) {
	exp := time.Date(2026, 12, 4, 15, 30, 0, 123456789, time.UTC)
	tests := []struct {
		name string
		in   Tokens
	}{
		{"all fields", Tokens{Access: "a\"b", Refresh: "r", Expiry: exp}},
		{"no refresh, no expiry", Tokens{Access: "a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeTokens(tc.in.Encode())
			if err != nil || got.Access != tc.in.Access || got.Refresh != tc.in.Refresh || !got.Expiry.Equal(tc.in.Expiry) {
				t.Fatalf("round trip %+v -> %s -> %+v, %v", tc.in, tc.in.Encode(), got, err)
			}
		})
	}
	for _, bad := range []string{"", "[]", `{"access_token":"a","expiry":"yesterday"}`} {
		if _, err := DecodeTokens(bad); !errors.Is(err, ErrBadResponse) {
			t.Errorf("DecodeTokens(%q) err %v", bad, err)
		}
	}
}

func TestNewVerifierNeedsASource(t *testing.T) {
	if _, err := NewVerifier(nil); err == nil {
		t.Fatal("NewVerifier(nil) did not fail")
	}
}
