// Package oauth holds the browser-independent half of the web app's OAuth
// 2.0 sign-in: authorization code with PKCE (RFC 7636, S256) for the public
// client edgeflix-web, the authorization server metadata (RFC 8414), the
// callback check, and token responses (RFC 6749 §5) turned into Tokens
// with an expiry computed from an injected clock.
//
// It is plain Go so it is tested on the host; player/app drives it from
// the browser.
package oauth

import (
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/edgeflix/edgeflix/player/jsonv"
	"github.com/edgeflix/edgeflix/player/rfc3339"
	"github.com/edgeflix/edgeflix/player/uri"
	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// ClientID is the web app's public OAuth client.
const ClientID = "edgeflix-web"

// MetadataPath is where the origin publishes its authorization server
// metadata.
const MetadataPath = "/.well-known/oauth-authorization-server"

// Sentinel errors; test them with errors.Is.
var (
	// ErrStateMismatch means the callback's state is not the one sent.
	ErrStateMismatch = errors.New("oauth: state mismatch")
	// ErrDenied means the authorization server answered with an error.
	ErrDenied = errors.New("oauth: authorization failed")
	// ErrBadResponse means a metadata or token response is unusable.
	ErrBadResponse = errors.New("oauth: bad response")
)

// Metadata is the part of RFC 8414 server metadata the app uses.
type Metadata struct {
	Issuer                string // issuer
	AuthorizationEndpoint string // authorization_endpoint
	TokenEndpoint         string // token_endpoint
	RevocationEndpoint    string // revocation_endpoint, optional
}

// ParseMetadata decodes server metadata and checks that the endpoints the
// app needs are absolute http(s) URLs.
func ParseMetadata(body []byte) (Metadata, error) {
	v, err := object(body)
	if err != nil {
		return Metadata{}, errdetail.Wrap(ErrBadResponse, "metadata: "+err.Error())
	}
	m := Metadata{
		Issuer: v.Get("issuer").Str(), AuthorizationEndpoint: v.Get("authorization_endpoint").Str(),
		TokenEndpoint: v.Get("token_endpoint").Str(), RevocationEndpoint: v.Get("revocation_endpoint").Str(),
	}
	for name, v := range map[string]string{"authorization_endpoint": m.AuthorizationEndpoint, "token_endpoint": m.TokenEndpoint} {
		u, err := uri.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return m, errdetail.Wrap(ErrBadResponse, "metadata "+name+" "+strconv.Quote(v)+" is not an absolute URL")
		}
	}
	return m, nil
}

// randomString returns n random bytes from r, base64url without padding.
func randomString(r io.Reader, n int) (string, error) {
	if r == nil {
		return "", errors.New("oauth: random: no source")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", errdetail.Prefix("oauth: random", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// NewVerifier returns a PKCE code verifier: 32 random bytes from r (in the
// browser, crypto.getRandomValues: crypto/rand would bring Go's FIPS
// module), base64url-encoded to 43 characters.
func NewVerifier(r io.Reader) (string, error) { return randomString(r, 32) }

// NewState returns a random state value for the authorization request.
func NewState(r io.Reader) (string, error) { return randomString(r, 16) }

// Challenge returns the S256 code challenge of verifier.
func Challenge(verifier string) string {
	sum := sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizeURL returns the authorization request URL for the endpoint.
func AuthorizeURL(endpoint, redirectURI, challenge, state string) (string, error) {
	u, err := uri.Parse(endpoint)
	if err != nil {
		return "", errdetail.Wrap(ErrBadResponse, "authorization endpoint: "+err.Error())
	}
	q, _ := uri.ParseQuery(u.RawQuery) // as url.URL.Query, which drops malformed pairs
	q.Set("response_type", "code")
	q.Set("client_id", ClientID)
	q.Set("redirect_uri", redirectURI)
	q.Set("code_challenge", challenge)
	q.Set("code_challenge_method", "S256")
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Callback checks the query string the authorization server redirected
// back with and returns the authorization code.
func Callback(rawQuery, wantState string) (string, error) {
	q, err := uri.ParseQuery(strings.TrimPrefix(rawQuery, "?"))
	if err != nil {
		return "", errdetail.Wrap(ErrBadResponse, "callback query: "+err.Error())
	}
	if e := q.Get("error"); e != "" {
		if d := q.Get("error_description"); d != "" {
			return "", errdetail.Wrap(ErrDenied, e+": "+d)
		}
		return "", errdetail.Wrap(ErrDenied, e)
	}
	if wantState == "" || q.Get("state") != wantState {
		return "", ErrStateMismatch
	}
	code := q.Get("code")
	if code == "" {
		return "", errdetail.Wrap(ErrBadResponse, "callback without code")
	}
	return code, nil
}

// CodeForm returns the token request body that redeems code.
func CodeForm(code, redirectURI, verifier string) uri.Values {
	return uri.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"client_id":     {ClientID},
		"code_verifier": {verifier},
	}
}

// RefreshForm returns the token request body that refreshes the tokens.
func RefreshForm(refreshToken string) uri.Values {
	return uri.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {ClientID},
	}
}

// Tokens are the app's credentials.
type Tokens struct {
	// Access is the bearer access token.
	Access string
	// Refresh is the refresh token, empty if none was issued.
	Refresh string
	// Expiry is when Access expires; zero means unknown.
	Expiry time.Time
}

// Encode writes t as the app stores it:
// {"access_token","refresh_token","expiry" (RFC 3339)}.
func (t Tokens) Encode() string {
	f := []jsonv.Field{{Key: "access_token", Value: t.Access}}
	if t.Refresh != "" {
		f = append(f, jsonv.Field{Key: "refresh_token", Value: t.Refresh})
	}
	return jsonv.Encode(append(f, jsonv.Field{Key: "expiry", Value: rfc3339.Format(t.Expiry)})...)
}

// DecodeTokens reads what Encode wrote.
func DecodeTokens(s string) (Tokens, error) {
	v, err := object([]byte(s))
	if err != nil {
		return Tokens{}, errdetail.Wrap(ErrBadResponse, "stored tokens: "+err.Error())
	}
	t := Tokens{Access: v.Get("access_token").Str(), Refresh: v.Get("refresh_token").Str()}
	if e := v.Get("expiry").Str(); e != "" {
		if t.Expiry, err = rfc3339.Parse(e); err != nil {
			return Tokens{}, errdetail.Wrap(ErrBadResponse, "stored tokens: "+err.Error())
		}
	}
	return t, nil
}

// object parses body, which must be a JSON object.
func object(body []byte) (jsonv.Value, error) {
	v, err := jsonv.Parse(body)
	if err == nil && v.Kind() != jsonv.Object {
		err = errors.New("not a JSON object")
	}
	return v, err
}

// Expired reports whether the access token has expired at now, or will
// within skew.
func (t Tokens) Expired(now time.Time, skew time.Duration) bool {
	return !t.Expiry.IsZero() && !now.Add(skew).Before(t.Expiry)
}

// ParseTokenResponse decodes a token endpoint response body (success or
// RFC 6749 §5.2 error), computing the expiry from now. previous supplies
// the refresh token when a refresh response does not rotate it.
func ParseTokenResponse(body []byte, now time.Time, previous Tokens) (Tokens, error) {
	v, err := object(body)
	if err != nil {
		return Tokens{}, errdetail.Wrap(ErrBadResponse, "token response: "+err.Error())
	}
	r := struct{ AccessToken, RefreshToken, TokenType, Error, ErrorDescription string }{
		v.Get("access_token").Str(), v.Get("refresh_token").Str(), v.Get("token_type").Str(),
		v.Get("error").Str(), v.Get("error_description").Str(),
	}
	expiresIn := v.Get("expires_in").Int64()
	if r.Error != "" {
		if r.ErrorDescription != "" {
			return Tokens{}, errdetail.Wrap(ErrDenied, r.Error+": "+r.ErrorDescription)
		}
		return Tokens{}, errdetail.Wrap(ErrDenied, r.Error)
	}
	if r.AccessToken == "" {
		return Tokens{}, errdetail.Wrap(ErrBadResponse, "no access_token")
	}
	if !strings.EqualFold(r.TokenType, "bearer") {
		return Tokens{}, errdetail.Wrap(ErrBadResponse, "token_type "+strconv.Quote(r.TokenType)+" is not Bearer")
	}
	t := Tokens{Access: r.AccessToken, Refresh: r.RefreshToken}
	if t.Refresh == "" {
		t.Refresh = previous.Refresh
	}
	if expiresIn > 0 {
		t.Expiry = now.Add(time.Duration(expiresIn) * time.Second)
	}
	return t, nil
}
