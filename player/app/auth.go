//go:build js && wasm

package main

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/edgeflix/edgeflix/player/jsonv"
	"github.com/edgeflix/edgeflix/player/oauth"
	"github.com/edgeflix/edgeflix/player/uri"
	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// Session storage keys.
const (
	keyTokens   = "edgeflix.tokens"
	keyVerifier = "edgeflix.pkce.verifier"
	keyState    = "edgeflix.pkce.state"
)

// errSignedOut means no usable tokens are left: the user must sign in.
var errSignedOut = errors.New("signed out")

// auth keeps the OAuth tokens (in sessionStorage) and makes authorized
// API calls, refreshing the access token when it expires or is refused.
type auth struct {
	origin string
	now    func() time.Time

	mu sync.Mutex // guards meta and serialises refreshes
	// meta is the server metadata, nil until fetched.
	meta *oauth.Metadata
}

func (a *auth) redirectURI() string { return a.origin + "/app/callback" }

func (a *auth) metadata() (oauth.Metadata, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.metadataLocked()
}

func (a *auth) metadataLocked() (oauth.Metadata, error) {
	if a.meta != nil {
		return *a.meta, nil
	}
	status, body, err := fetchText(request{url: a.origin + oauth.MetadataPath})
	if err != nil {
		return oauth.Metadata{}, errdetail.Prefix("authorization server metadata", err)
	}
	if status != 200 {
		return oauth.Metadata{}, errdetail.Prefix("authorization server metadata", &httpError{Status: status, Detail: problemDetail(body)})
	}
	m, err := oauth.ParseMetadata([]byte(body))
	if err != nil {
		return m, err
	}
	a.meta = &m
	return m, nil
}

// tokens returns the stored tokens; ok is false if there are none.
func (a *auth) tokens() (oauth.Tokens, bool) {
	s := sessionGet(keyTokens)
	if s == "" {
		return oauth.Tokens{}, false
	}
	t, err := oauth.DecodeTokens(s)
	if err != nil || t.Access == "" {
		return oauth.Tokens{}, false
	}
	return t, true
}

func (a *auth) store(t oauth.Tokens) {
	sessionSet(keyTokens, t.Encode())
}

// signIn starts the authorization code flow: it stores a fresh PKCE
// verifier and state and navigates to the authorization endpoint.
func (a *auth) signIn() error {
	m, err := a.metadata()
	if err != nil {
		return err
	}
	verifier, err := oauth.NewVerifier(browserRandom{})
	if err != nil {
		return err
	}
	state, err := oauth.NewState(browserRandom{})
	if err != nil {
		return err
	}
	u, err := oauth.AuthorizeURL(m.AuthorizationEndpoint, a.redirectURI(), oauth.Challenge(verifier), state)
	if err != nil {
		return err
	}
	sessionSet(keyVerifier, verifier)
	sessionSet(keyState, state)
	global.Get("location").Call("assign", u)
	return nil
}

// callback finishes the flow on /app/callback: it checks state, redeems
// the code and stores the tokens.
func (a *auth) callback(rawQuery string) error {
	state, verifier := sessionGet(keyState), sessionGet(keyVerifier)
	sessionSet(keyState, "")
	sessionSet(keyVerifier, "")
	code, err := oauth.Callback(rawQuery, state)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	t, err := a.tokenRequest(oauth.CodeForm(code, a.redirectURI(), verifier), oauth.Tokens{})
	if err != nil {
		return err
	}
	a.store(t)
	return nil
}

// tokenRequest posts form to the token endpoint. a.mu must be held.
func (a *auth) tokenRequest(form uri.Values, previous oauth.Tokens) (oauth.Tokens, error) {
	m, err := a.metadataLocked()
	if err != nil {
		return oauth.Tokens{}, err
	}
	status, body, err := fetchText(request{
		method:  "POST",
		url:     m.TokenEndpoint,
		headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
		body:    form.Encode(),
	})
	if err != nil {
		return oauth.Tokens{}, errdetail.Prefix("token endpoint", err)
	}
	t, err := oauth.ParseTokenResponse([]byte(body), a.now(), previous)
	if err != nil {
		return t, errdetail.Prefix("token endpoint (HTTP "+strconv.Itoa(status)+")", err)
	}
	return t, nil
}

// refresh swaps the refresh token for new tokens, unless another caller
// already did since stale was read. On failure the tokens are dropped.
func (a *auth) refresh(stale oauth.Tokens) (oauth.Tokens, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cur, ok := a.tokens()
	if !ok {
		return cur, errSignedOut
	}
	if cur.Access != stale.Access && !cur.Expired(a.now(), 30*time.Second) {
		return cur, nil
	}
	if cur.Refresh == "" {
		sessionSet(keyTokens, "")
		return cur, errSignedOut
	}
	t, err := a.tokenRequest(oauth.RefreshForm(cur.Refresh), cur)
	if err != nil {
		sessionSet(keyTokens, "")
		return t, errdetail.Wrap(errSignedOut, err.Error())
	}
	a.store(t)
	return t, nil
}

// signOut forgets the tokens, revoking the refresh token when the server
// offers revocation.
func (a *auth) signOut() {
	t, ok := a.tokens()
	sessionSet(keyTokens, "")
	if !ok || t.Refresh == "" {
		return
	}
	if m, err := a.metadata(); err == nil && m.RevocationEndpoint != "" {
		form := uri.Values{"token": {t.Refresh}, "token_type_hint": {"refresh_token"}, "client_id": {oauth.ClientID}}
		_, _, _ = fetchText(request{method: "POST", url: m.RevocationEndpoint,
			headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: form.Encode()})
	}
}

// api calls the origin's JSON API with the bearer token, refreshing it
// when it has expired or the answer is 401. It returns the status and body.
func (a *auth) api(method, path string, body any) (int, string, error) {
	t, ok := a.tokens()
	if !ok {
		return 0, "", errSignedOut
	}
	var err error
	if t.Expired(a.now(), 30*time.Second) {
		if t, err = a.refresh(t); err != nil {
			return 0, "", err
		}
	}
	var payload string
	if body != nil {
		if payload, err = jsonv.Marshal(body); err != nil {
			return 0, "", err
		}
	}
	for attempt := 0; ; attempt++ {
		h := map[string]string{"Authorization": "Bearer " + t.Access, "Accept": "application/json"}
		if payload != "" {
			h["Content-Type"] = "application/json"
		}
		status, text, err := fetchText(request{method: method, url: a.origin + path, headers: h, body: payload})
		if err != nil {
			return 0, "", err
		}
		if status != 401 || attempt > 0 {
			return status, text, nil
		}
		if t, err = a.refresh(t); err != nil {
			return 0, "", err
		}
	}
}

func jsonMarshal(v any) (string, error) { return jsonv.Marshal(v) }
