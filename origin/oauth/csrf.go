package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net"
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

// ClientIP returns the request's client IP address as text. The origin
// does not trust X-Forwarded-For (put the limiter's key in the load
// balancer's hands only once it strips client-sent values).
func ClientIP(ctx *fasthttp.RequestCtx) string {
	ip := ctx.RemoteIP()
	if ip == nil {
		return "unknown"
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	// IPv6 clients are limited per /64, the smallest block they usually own.
	return ip.Mask(net.CIDRMask(64, 128)).String()
}
