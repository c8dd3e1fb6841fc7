package oauth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/tokens"
)

// CSRFCookie is the login form's double-submit cookie on http origins;
// https origins use the __Host- prefixed name.
const CSRFCookie = "edgeflix_csrf"

func (s *Server) csrfCookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-" + CSRFCookie
	}
	return CSRFCookie
}

// csrfBinding is what a CSRF token is bound to: the cookie and the
// authorization request's parameters.
func (s *Server) csrfMAC(cookie string, r AuthorizeRequest) string {
	m := hmac.New(sha256.New, s.csrfKey)
	for _, part := range []string{cookie, r.ClientID, r.RedirectURI, r.CodeChallenge, r.State, r.Scope, r.DeviceClass, r.DeviceName} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfToken returns the form's CSRF token, setting the cookie it is bound
// to when the browser has none.
func (s *Server) csrfToken(ctx *fasthttp.RequestCtx, r AuthorizeRequest) string {
	v := string(ctx.Request.Header.Cookie(s.csrfCookieName()))
	if len(v) < 32 || len(v) > 64 {
		v = tokens.RandomID(32)
		c := fasthttp.AcquireCookie()
		defer fasthttp.ReleaseCookie(c)
		c.SetKey(s.csrfCookieName())
		c.SetValue(v)
		c.SetPath("/")
		c.SetHTTPOnly(true)
		c.SetSecure(s.cfg.SecureCookies)
		c.SetSameSite(fasthttp.CookieSameSiteStrictMode)
		c.SetMaxAge(3600)
		ctx.Response.Header.SetCookie(c)
	}
	return s.csrfMAC(v, r)
}

// fromBrowser reports whether a request carries the headers every current
// browser adds to a form post (Origin, Sec-Fetch-Site, Referer, Cookie).
// A request without any of them cannot have been forged through a victim's
// browser, so it may skip the CSRF token (scripts and API clients).
func fromBrowser(ctx *fasthttp.RequestCtx) bool {
	h := &ctx.Request.Header
	return len(h.Peek("Origin")) > 0 || len(h.Peek("Sec-Fetch-Site")) > 0 || len(h.Peek("Referer")) > 0 || len(h.Peek("Cookie")) > 0
}

// checkCSRF verifies a login form post: a foreign Origin (other than
// "null") or a cross-site Sec-Fetch-Site always fails; a browser request needs the double-submit
// cookie and a csrf_token bound to it and to the authorization request.
func (s *Server) checkCSRF(ctx *fasthttp.RequestCtx, r AuthorizeRequest) bool {
	h := &ctx.Request.Header
	// Browsers send "Origin: null" for a form posted from a no-referrer
	// page (the login page is one); it proves nothing either way.
	if o := string(h.Peek("Origin")); o != "" && o != "null" && !strings.EqualFold(o, s.origin()) {
		return false
	}
	if site := string(h.Peek("Sec-Fetch-Site")); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if !fromBrowser(ctx) {
		return true
	}
	cookie := string(h.Cookie(s.csrfCookieName()))
	if cookie == "" || r.CSRFToken == "" {
		return false
	}
	return hmac.Equal([]byte(s.csrfMAC(cookie, r)), []byte(r.CSRFToken))
}

// origin returns scheme://host[:port] of PublicURL.
func (s *Server) origin() string {
	u := s.cfg.PublicURL
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return u[:i+3+j]
		}
	}
	return u
}

// clientIPKey is the user-value key under which ResolveClientIP stores the
// request's client address.
const clientIPKey = "edgeflix.client_ip"

// ErrBadProxy means a trusted-proxy entry is neither a CIDR nor an IP
// address.
var ErrBadProxy = errors.New("invalid trusted proxy")

// maxForwardedHops bounds how many X-Forwarded-For entries are examined,
// so a huge header costs no more than a short one.
const maxForwardedHops = 32

// TrustedProxies are the networks whose X-Forwarded-For the origin
// believes (the load balancers in front of it). The zero value trusts
// nobody: the client is the connection's peer.
type TrustedProxies []netip.Prefix

// ParseTrustedProxies parses CIDRs ("10.0.0.0/16") and bare addresses
// ("10.0.0.7", a /32 or /128). Empty entries are skipped.
func ParseTrustedProxies(list []string) (TrustedProxies, error) {
	var out TrustedProxies
	for _, v := range list {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, fmt.Errorf("%w %q: %w", ErrBadProxy, v, err)
			}
			if p.Addr().Is4In6() {
				p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %w", ErrBadProxy, v, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Contains reports whether a is in one of the trusted networks.
func (t TrustedProxies) Contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr returns the client's address for a connection from peer
// carrying the X-Forwarded-For header values xff (in the order received):
// peer itself unless it is trusted; else, reading the X-Forwarded-For hops
// from the right, the first that is not trusted. Only trusted proxies
// append to the list, so everything left of that hop is the client's own
// (possibly forged) text and is ignored. A hop that does not parse ends the
// walk at the last trusted hop (a trusted proxy never writes one, so the
// text came from the client side). If every hop is trusted, the left-most
// one is the client.
func (t TrustedProxies) ClientAddr(peer netip.Addr, xff [][]byte) netip.Addr {
	peer = peer.Unmap()
	if len(t) == 0 || !t.Contains(peer) {
		return peer
	}
	last := peer
	hops := 0
	for i := len(xff) - 1; i >= 0; i-- {
		v := xff[i]
		for len(v) > 0 {
			hop := v
			if j := bytes.LastIndexByte(v, ','); j >= 0 {
				hop, v = v[j+1:], v[:j]
			} else {
				v = nil
			}
			hop = bytes.TrimSpace(hop)
			if len(hop) == 0 {
				continue
			}
			if hops++; hops > maxForwardedHops {
				return last
			}
			a, ok := parseHop(hop)
			if !ok {
				return last
			}
			if !t.Contains(a) {
				return a
			}
			last = a
		}
	}
	return last
}

// parseHop parses one X-Forwarded-For entry: an address, or an address
// with a port ("192.0.2.1:443", "[2001:db8::1]:443").
func parseHop(b []byte) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(string(b)); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(string(b)); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// Resolve works out the request's client address (ClientAddr over the
// peer and its X-Forwarded-For headers) and remembers it on ctx, where
// ClientIP finds it. The origin calls it first thing for every request.
func (t TrustedProxies) Resolve(ctx *fasthttp.RequestCtx) netip.Addr {
	var peer netip.Addr
	if ip := ctx.RemoteIP(); ip != nil {
		peer, _ = netip.AddrFromSlice(ip)
	}
	var xff [][]byte
	if len(t) > 0 && t.Contains(peer) {
		xff = ctx.Request.Header.PeekAll("X-Forwarded-For")
	}
	a := t.ClientAddr(peer, xff)
	ctx.SetUserValue(clientIPKey, a)
	return a
}

// ClientIP returns the request's client IP address as text, for rate-limit
// keys and logs: the address Resolve found, else the connection's peer
// (X-Forwarded-For is believed only from TrustedProxies). IPv6 clients are
// keyed per /64, the smallest block they usually own.
func ClientIP(ctx *fasthttp.RequestCtx) string {
	a, ok := ctx.UserValue(clientIPKey).(netip.Addr)
	if !ok {
		if ip := ctx.RemoteIP(); ip != nil {
			a, _ = netip.AddrFromSlice(ip)
		}
	}
	return ipKey(a)
}

// ipKey renders a as a rate-limit key: IPv4 as is, IPv6 as its /64.
func ipKey(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid() || a.IsUnspecified():
		return "unknown"
	case a.Is4():
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.Addr().String()
}
