// Package renew keeps a playback session's path token fresh on the
// player's side: the origin's heartbeat answers a renewed playback token
// (docs/CONTRACTS.md), and every media URI of a session lies below
// <edge>/t/<token>/v1/media/<asset>/, so going on with the new token is
// swapping that one path segment in every URL the player fetches next. A
// request already in flight keeps the old token, which stays valid until
// its exp. (The web app retries a failed heartbeat: player/web/player.js.)
package renew

import (
	"strings"
	"sync"
)

// tokenPrefix introduces the token segment of an edge media path.
const tokenPrefix = "/t/"

// Split returns the part of rawURL before its token segment (scheme and
// host), the token and the rest of the URL from the slash after the
// token; ok is false when rawURL is not scheme://host/t/<token>/….
func Split(rawURL string) (origin, token, rest string, ok bool) {
	scheme := strings.Index(rawURL, "://")
	if scheme <= 0 {
		return "", "", "", false
	}
	slash := strings.IndexByte(rawURL[scheme+3:], '/')
	if slash < 0 {
		return "", "", "", false
	}
	origin, path := rawURL[:scheme+3+slash], rawURL[scheme+3+slash:]
	if !strings.HasPrefix(path, tokenPrefix) {
		return "", "", "", false
	}
	token, rest, found := strings.Cut(path[len(tokenPrefix):], "/")
	if !found || token == "" {
		return "", "", "", false
	}
	return origin, token, "/" + rest, true
}

// Tokens is a session's current path token, safe for concurrent use: the
// heartbeat sets it, the engine's fetches read it. The zero value holds
// none and rewrites nothing.
type Tokens struct {
	mu     sync.Mutex // guards origin and token
	origin string
	token  string
}

// Set makes the token of manifestURL (a heartbeat's manifest_url) the
// current one; it reports false, changing nothing, when the URL has no
// token segment.
func (t *Tokens) Set(manifestURL string) bool {
	origin, token, _, ok := Split(manifestURL)
	if !ok {
		return false
	}
	t.mu.Lock()
	t.origin, t.token = origin, token
	t.mu.Unlock()
	return true
}

// Fresh returns u with its token segment replaced by the current token
// when u is a path-token URL on the same edge (scheme and host); any
// other URL is returned unchanged.
func (t *Tokens) Fresh(u string) string {
	t.mu.Lock()
	cur, token := t.origin, t.token
	t.mu.Unlock()
	if token == "" {
		return u
	}
	origin, old, rest, ok := Split(u)
	if !ok || origin != cur || old == token {
		return u
	}
	return origin + tokenPrefix + token + rest
}
