package origin_test

import (
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
)

func authForm(e *env, challenge, email, password string) url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {"edgeflix-web"}, "redirect_uri": {e.url + "/app/callback"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"s1"}, "email": {email}, "password": {password}}
}

func TestLoginCSRF(t *testing.T) {
	e := newEnv(t)
	email := randomEmail()
	e.createAccount(email, "correct horse battery")
	_, challenge := pkce()
	q := authForm(e, challenge, "", "")
	q.Del("email")
	q.Del("password")
	resp, page := e.get("/oauth/authorize?"+q.Encode(), "")
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == oauth.CSRFCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("csrf cookie %+v", cookie)
	}
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("form has no csrf_token: %s", page)
	}
	token := string(m[1])
	post := func(form url.Values, h http.Header) int {
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, _ := e.do("POST", "/oauth/authorize", h, strings.NewReader(form.Encode()))
		return resp.StatusCode
	}
	browser := func(withCookie bool) http.Header {
		h := http.Header{"Origin": {e.url}, "Sec-Fetch-Site": {"same-origin"}}
		if withCookie {
			h.Set("Cookie", cookie.Name+"="+cookie.Value)
		}
		return h
	}
	withToken := func(tok string, mod func(url.Values)) url.Values {
		f := authForm(e, challenge, email, "correct horse battery")
		f.Set("csrf_token", tok)
		if mod != nil {
			mod(f)
		}
		return f
	}
	cases := []struct {
		name   string
		form   url.Values
		header http.Header
		status int
	}{
		{"browser with cookie and token", withToken(token, nil), browser(true), 302},
		{"browser without token", authForm(e, challenge, email, "correct horse battery"), browser(true), 403},
		{"browser without cookie", withToken(token, nil), browser(false), 403},
		{"token for another request", withToken(token, func(f url.Values) { f.Set("state", "other") }), browser(true), 403},
		{"forged token", withToken(strings.Repeat("A", 43), nil), browser(true), 403},
		{"foreign origin", withToken(token, nil), http.Header{"Origin": {"https://evil.example"}, "Cookie": {cookie.Name + "=" + cookie.Value}}, 403},
		{"cross-site fetch", withToken(token, nil), http.Header{"Sec-Fetch-Site": {"cross-site"}, "Cookie": {cookie.Name + "=" + cookie.Value}}, 403},
		{"non-browser client", authForm(e, challenge, email, "correct horse battery"), http.Header{}, 302},
		// Chromium posts "Origin: null" from a no-referrer page (ours).
		{"origin null with token", withToken(token, nil), http.Header{"Origin": {"null"}, "Sec-Fetch-Site": {"same-origin"}, "Cookie": {cookie.Name + "=" + cookie.Value}}, 302},
		{"origin null without token", authForm(e, challenge, email, "correct horse battery"), http.Header{"Origin": {"null"}}, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := post(c.form, c.header); got != c.status {
				t.Fatalf("status %d, want %d", got, c.status)
			}
		})
	}
}

func TestSecurityHeadersAndCORS(t *testing.T) {
	e := newEnvWith(t, func(c *origin.Config) { c.CORSOrigins = []string{"https://app.example"} })
	for _, p := range []string{"/livez", "/healthz", "/v1/titles", "/.well-known/jwks.json", "/oauth/authorize", "/nope"} {
		resp, _ := e.get(p, "")
		h := resp.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			h.Get("Referrer-Policy") == "" || h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
	preflight := func(origin string) *http.Response {
		resp, _ := e.do("OPTIONS", "/v1/profiles", http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"POST"},
			"Access-Control-Request-Headers": {"authorization, content-type"}}, nil)
		return resp
	}
	if resp := preflight("https://app.example"); resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("allowed preflight: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := preflight("https://evil.example"); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ := e.do("GET", "/v1/titles", http.Header{"Origin": {"https://evil.example"}}, nil)
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin got CORS")
	}
	resp, _ = e.do("GET", "/v1/titles", http.Header{"Origin": {"https://app.example"}}, nil)
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(resp.Header.Get("Vary"), "Origin") {
		t.Errorf("allowed origin: %v", resp.Header)
	}
	// The login form itself is never a CORS resource.
	resp, _ = e.do("GET", "/oauth/authorize", http.Header{"Origin": {"https://app.example"}}, nil)
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("authorize answered CORS")
	}
}

func TestRateLimits(t *testing.T) {
	limits := oauth.DefaultLimits()
	limits.LoginIP = ratelimit.PerMinute(6, 6)
	limits.LoginFailures = ratelimit.Limit{Rate: 3, Burst: 3, Period: 15 * time.Minute}
	limits.SignUpIP = ratelimit.PerMinute(3, 3)
	e := newEnvWith(t, func(c *origin.Config) { c.RateLimits = limits })
	victim := randomEmail()
	e.createAccount(victim, "correct horse battery")
	t.Run("failed logins per account", func(t *testing.T) {
		_, c := pkce()
		for i := range 3 {
			resp, _ := e.postForm("/oauth/authorize", authForm(e, c, victim, "wrong password "+string(rune('a'+i))))
			if resp.StatusCode != 401 {
				t.Fatalf("failure %d: %d", i, resp.StatusCode)
			}
		}
		// Even the right password waits now: the account is throttled.
		resp, _ := e.postForm("/oauth/authorize", authForm(e, c, victim, "correct horse battery"))
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("RateLimit-Limit") != "3" {
			t.Fatalf("throttled account: %d %v", resp.StatusCode, resp.Header)
		}
		// An unknown e-mail is throttled the same way (no enumeration).
		ghost := randomEmail()
		for range 3 {
			e.postForm("/oauth/authorize", authForm(e, c, ghost, "wrong password"))
		}
		if resp, _ := e.postForm("/oauth/authorize", authForm(e, c, ghost, "wrong password")); resp.StatusCode != 429 {
			t.Fatalf("unknown email not throttled: %d", resp.StatusCode)
		}
	})
	t.Run("login per IP", func(t *testing.T) {
		// 6 attempts per minute from one IP were spent above (4 + 4 > 6).
		_, c := pkce()
		resp, b := e.postForm("/oauth/authorize", authForm(e, c, randomEmail(), "whatever password"))
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("RateLimit-Remaining") != "0" {
			t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, b)
		}
	})
	t.Run("sign-up per IP", func(t *testing.T) {
		var last *http.Response
		for range 4 {
			last, _ = e.postJSON("/v1/accounts", "", `{"email":"`+randomEmail()+`","password":"correct horse battery"}`)
		}
		// One account was created by the test above.
		if last.StatusCode != 429 || last.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%d", last.StatusCode)
		}
	})
}

func TestLoginLimitWithRedisDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	ln.Close()
	t.Cleanup(func() { dead.Close() })
	limits := oauth.DefaultLimits()
	limits.LoginIP = ratelimit.PerMinute(3, 3)
	e := newEnvWith(t, func(c *origin.Config) { c.Redis = dead; c.RateLimits = limits })
	_, c := pkce()
	statuses := []int{}
	for range 5 {
		resp, _ := e.postForm("/oauth/authorize", authForm(e, c, "nobody@example.com", "some password"))
		statuses = append(statuses, resp.StatusCode)
	}
	// Within the limit the login runs (and fails: unknown account); past it,
	// the in-process limiter refuses although Redis is down.
	if statuses[0] != 401 || statuses[3] != 429 || statuses[4] != 429 {
		t.Fatalf("statuses %v", statuses)
	}
}

// TestLoginTimingSimilar: a wrong password and an unknown e-mail get the
// same answer, run the same Argon2id work (one hash each, counted by the
// gate, whatever the machine's load) and take similar time.
func TestLoginTimingSimilar(t *testing.T) {
	e := newEnv(t)
	email := randomEmail()
	e.createAccount(email, "correct horse battery")
	_, c := pkce()
	gate := e.srv.PasswordHashGate()
	once := func(email string) time.Duration {
		runs := gate.Runs()
		start := time.Now()
		resp, _ := e.postForm("/oauth/authorize", authForm(e, c, email, "wrong password"))
		took := time.Since(start)
		if resp.StatusCode != 401 {
			t.Fatalf("%d", resp.StatusCode)
		}
		if n := gate.Runs() - runs; n != 1 {
			t.Fatalf("login as %s ran %d password hashes, want 1", email, n)
		}
		return took
	}
	var bodies []string
	for _, em := range []string{email, randomEmail()} {
		_, b := e.postForm("/oauth/authorize", authForm(e, c, em, "wrong password x"))
		// The CSRF token is random per answer (a new cookie each time).
		body := regexp.MustCompile(`name="csrf_token" value="[^"]*"`).ReplaceAllString(strings.ReplaceAll(string(b), em, "EMAIL"), "")
		bodies = append(bodies, body)
	}
	if bodies[0] != bodies[1] {
		t.Fatalf("answers differ:\n%s\n%s", bodies[0], bodies[1])
	}
	// Calls alternate, so a change in the machine's load falls on both
	// sides alike, and the best of each is compared. Under load the best
	// of a few calls can still be one side's unlucky one: more rounds only
	// bring each minimum nearer its true cost, so the test samples until
	// the two agree or the rounds run out. Without the dummy hash an
	// unknown e-mail is over ten times faster, and no sampling hides that.
	known, unknown := time.Duration(1<<62), time.Duration(1<<62)
	ratio := 0.0
	for round := range 6 {
		for range 4 {
			known = min(known, once(email))
			unknown = min(unknown, once(randomEmail()))
		}
		ratio = float64(known) / float64(unknown)
		t.Logf("round %d: wrong password %v, unknown email %v", round, known, unknown)
		if ratio >= 0.5 && ratio <= 2 {
			return
		}
	}
	t.Fatalf("timing differs: wrong password %v, unknown email %v (ratio %.2f)", known, unknown, ratio)
}
