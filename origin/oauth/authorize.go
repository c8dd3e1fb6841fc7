package oauth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/devices"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

// AuthorizeRequest holds the parameters of an authorization request.
type AuthorizeRequest struct {
	ResponseType        string
	ClientID            string
	RedirectURI         string
	CodeChallenge       string
	CodeChallengeMethod string
	State               string
	Scope               string
	// DeviceClass and DeviceName describe the signing-in device (optional
	// edgeflix parameters device_class and device_name).
	DeviceClass string
	DeviceName  string
	// CSRFToken is the login form's csrf_token field (POST only).
	CSRFToken string
}

// authorizeError is a failure to answer at the redirect URI (RFC 6749
// §4.1.2.1); failures with the client or redirect URI have code "".
type authorizeError struct {
	code, description string
}

func argsOf(a *fasthttp.Args) AuthorizeRequest {
	return AuthorizeRequest{
		ResponseType:        string(a.Peek("response_type")),
		ClientID:            string(a.Peek("client_id")),
		RedirectURI:         string(a.Peek("redirect_uri")),
		CodeChallenge:       string(a.Peek("code_challenge")),
		CodeChallengeMethod: string(a.Peek("code_challenge_method")),
		State:               string(a.Peek("state")),
		Scope:               string(a.Peek("scope")),
		DeviceClass:         string(a.Peek("device_class")),
		DeviceName:          string(a.Peek("device_name")),
		CSRFToken:           string(a.Peek("csrf_token")),
	}
}

// validChallenge reports whether c is a PKCE code challenge or verifier:
// 43..128 unreserved characters (RFC 7636 §4.1).
func validChallenge(c string) bool {
	if len(c) < 43 || len(c) > 128 {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~') {
			return false
		}
	}
	return true
}

// check validates r. A nil client result means the error must not redirect.
func (s *Server) check(r AuthorizeRequest) (ok bool, aerr authorizeError) {
	if _, ok := s.client(r.ClientID, r.RedirectURI); !ok {
		return false, authorizeError{"", "unknown client or redirect URI not registered for it"}
	}
	switch {
	case r.ResponseType != "code":
		return true, authorizeError{"unsupported_response_type", "response_type must be code"}
	case r.CodeChallengeMethod != "S256":
		return true, authorizeError{"invalid_request", "code_challenge_method must be S256"}
	case !validChallenge(r.CodeChallenge):
		return true, authorizeError{"invalid_request", "code_challenge is missing or malformed"}
	case len(r.State) > 1024:
		return true, authorizeError{"invalid_request", "state is too long"}
	case r.DeviceClass != "" && !devices.ValidClass(r.DeviceClass):
		return true, authorizeError{"invalid_request", "device_class must be phone, tablet, desktop or tv"}
	case len(r.DeviceName) > 4*devices.MaxNameLen:
		return true, authorizeError{"invalid_request", "device_name is too long"}
	}
	return true, authorizeError{}
}

// HandleAuthorize serves GET and POST /oauth/authorize.
func (s *Server) HandleAuthorize(ctx *fasthttp.RequestCtx) {
	var r AuthorizeRequest
	post := ctx.IsPost()
	if post {
		r = argsOf(ctx.PostArgs())
	} else {
		r = argsOf(ctx.QueryArgs())
	}
	clientOK, aerr := s.check(r)
	if !clientOK {
		s.renderError(ctx, aerr.description)
		return
	}
	if aerr.code != "" {
		q := url.Values{"error": {aerr.code}, "error_description": {aerr.description}}
		if r.State != "" {
			q.Set("state", r.State)
		}
		s.redirect(ctx, withQuery(r.RedirectURI, q))
		return
	}
	if !post {
		s.renderLogin(ctx, fasthttp.StatusOK, r, "", "")
		return
	}
	email := string(ctx.PostArgs().Peek("email"))
	password := string(ctx.PostArgs().Peek("password"))
	if !s.checkCSRF(ctx, r) {
		s.renderLogin(ctx, fasthttp.StatusForbidden, r, email, "This sign-in form has expired. Please try again.")
		return
	}
	if res := s.cfg.Limiter.Allow(ctx, "login-ip", ClientIP(ctx), s.cfg.Limits.LoginIP); !res.Allowed {
		ratelimit.SetHeaders(&ctx.Response.Header, res)
		s.renderLogin(ctx, fasthttp.StatusTooManyRequests, r, email, "Too many sign-in attempts. Please wait a moment.")
		return
	}
	// Failed logins are counted per e-mail whether or not an account has
	// it, so the throttle tells nothing about existence. The attempt is
	// counted atomically before the password check and refunded when it
	// succeeds (or never ran), so parallel guesses cannot all pass a
	// check-then-count race.
	failKey := loginKey(email)
	if res := s.cfg.Limiter.Allow(ctx, "login-fail", failKey, s.cfg.Limits.LoginFailures); !res.Allowed {
		ratelimit.SetHeaders(&ctx.Response.Header, res)
		s.renderLogin(ctx, fasthttp.StatusTooManyRequests, r, email, "Too many failed sign-ins for this email. Please wait and try again.")
		return
	}
	acct, err := s.cfg.Accounts.Authenticate(ctx, email, password)
	if errors.Is(err, accounts.ErrBadCredentials) {
		s.renderLogin(ctx, fasthttp.StatusUnauthorized, r, email, "The email or password is wrong.")
		return
	}
	s.cfg.Limiter.Refund(background(ctx), "login-fail", failKey, s.cfg.Limits.LoginFailures)
	if errors.Is(err, accounts.ErrBusy) {
		ctx.Response.Header.Set("Retry-After", accounts.BusyRetryAfter)
		s.renderLogin(ctx, fasthttp.StatusServiceUnavailable, r, email, "Sign-in is busy right now. Please try again in a moment.")
		return
	}
	if err != nil {
		s.cfg.Logger.Error("oauth: authenticate", "err", err)
		s.renderLogin(ctx, fasthttp.StatusInternalServerError, r, email, "Something went wrong. Please try again.")
		return
	}
	class := r.DeviceClass
	if class == "" {
		class = devices.ClassFromUserAgent(string(ctx.UserAgent()))
	}
	code, err := s.newCode(ctx, codeGrant{
		ClientID: r.ClientID, RedirectURI: r.RedirectURI, Challenge: r.CodeChallenge,
		AccountID: acct.ID, Scope: grantScope(r.Scope),
		DeviceClass: class, DeviceName: r.DeviceName, UserAgent: truncate(string(ctx.UserAgent()), 512),
	})
	if err != nil {
		s.cfg.Logger.Error("oauth: store code", "err", err)
		s.renderLogin(ctx, fasthttp.StatusServiceUnavailable, r, email, "Sign-in is unavailable. Please try again.")
		return
	}
	q := url.Values{"code": {code}}
	if r.State != "" {
		q.Set("state", r.State)
	}
	s.redirect(ctx, withQuery(r.RedirectURI, q))
}

func (s *Server) redirect(ctx *fasthttp.RequestCtx, location string) {
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.Response.Header.Set("Location", location)
	ctx.SetStatusCode(fasthttp.StatusFound)
}

// codeGrant is what an authorization code is bound to, stored in Redis.
type codeGrant struct {
	ClientID    string `json:"client_id"`
	RedirectURI string `json:"redirect_uri"`
	Challenge   string `json:"code_challenge"`
	AccountID   string `json:"account_id"`
	Scope       string `json:"scope"`
	DeviceClass string `json:"device_class"`
	DeviceName  string `json:"device_name,omitempty"`
	UserAgent   string `json:"user_agent,omitempty"`
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// loginKey is the failed-login throttle's id for an e-mail: a hash of
// its normalised form (the raw text when it does not parse).
func loginKey(email string) string {
	if n, err := accounts.NormalizeEmail(email); err == nil {
		email = n
	}
	return hashString(email)
}

func hashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newCode stores g under a fresh random code (kept hashed) for CodeLifetime.
func (s *Server) newCode(ctx *fasthttp.RequestCtx, g codeGrant) (string, error) {
	code := tokens.RandomID(32)
	b, err := json.Marshal(g)
	if err != nil {
		return "", err
	}
	if err := s.cfg.Redis.Set(background(ctx), s.codeKey(hashString(code)), b, CodeLifetime).Err(); err != nil {
		return "", err
	}
	return code, nil
}

var pageStyle = template.CSS(`body{font-family:system-ui,sans-serif;background:#141414;color:#eee;display:flex;justify-content:center;align-items:center;min-height:100vh;margin:0}
main{background:#000c;padding:2.5rem 3rem;border-radius:8px;width:20rem}
h1{margin-top:0;color:#e50914;font-size:1.6rem}
label{display:block;margin:.8rem 0 .3rem;font-size:.9rem}
input{width:100%;box-sizing:border-box;padding:.7rem;border-radius:4px;border:1px solid #555;background:#333;color:#fff}
button{margin-top:1.4rem;width:100%;padding:.8rem;border:0;border-radius:4px;background:#e50914;color:#fff;font-size:1rem;cursor:pointer}
.error{background:#e87c03;color:#000;padding:.6rem;border-radius:4px}`)

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · edgeflix</title><style>{{.Style}}</style></head>
<body><main>
<h1>edgeflix</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
{{if .Form}}<form method="post" action="/oauth/authorize">
<input type="hidden" name="response_type" value="{{.Req.ResponseType}}">
<input type="hidden" name="client_id" value="{{.Req.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.Req.RedirectURI}}">
<input type="hidden" name="code_challenge" value="{{.Req.CodeChallenge}}">
<input type="hidden" name="code_challenge_method" value="{{.Req.CodeChallengeMethod}}">
<input type="hidden" name="state" value="{{.Req.State}}">
<input type="hidden" name="scope" value="{{.Req.Scope}}">
{{if .Req.DeviceClass}}<input type="hidden" name="device_class" value="{{.Req.DeviceClass}}">{{end}}
{{if .Req.DeviceName}}<input type="hidden" name="device_name" value="{{.Req.DeviceName}}">{{end}}
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label for="email">Email</label><input id="email" type="email" name="email" value="{{.Email}}" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" type="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>{{end}}
</main></body></html>
`))

type pageData struct {
	Style template.CSS
	Form  bool
	Req   AuthorizeRequest
	Email string
	Error string
	CSRF  string
}

func (s *Server) renderPage(ctx *fasthttp.RequestCtx, status int, d pageData, formAction string) {
	d.Style = pageStyle
	var buf bytes.Buffer
	if err := loginPage.Execute(&buf, d); err != nil {
		s.cfg.Logger.Error("oauth: render", "err", err)
		ctx.Error("internal error", fasthttp.StatusInternalServerError)
		return
	}
	h := &ctx.Response.Header
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.SetStatusCode(status)
	ctx.SetBody(buf.Bytes())
}

func (s *Server) renderLogin(ctx *fasthttp.RequestCtx, status int, r AuthorizeRequest, email, msg string) {
	action := "'self'"
	if u, err := url.Parse(r.RedirectURI); err == nil && u.Scheme != "" && u.Host != "" {
		action += " " + u.Scheme + "://" + u.Host
	}
	s.renderPage(ctx, status, pageData{Form: true, Req: r, Email: email, Error: msg, CSRF: s.csrfToken(ctx, r)}, action)
}

func (s *Server) renderError(ctx *fasthttp.RequestCtx, msg string) {
	s.renderPage(ctx, fasthttp.StatusBadRequest, pageData{Error: "This sign-in link is not valid: " + msg + "."}, "'none'")
}

// now returns the server's clock reading.
func (s *Server) now() time.Time { return s.cfg.Now() }
