package origin_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
)

// loginAttempt posts the login form once and returns the answer.
func (e *env) loginAttempt(email, password string) *http.Response {
	_, c := pkce()
	resp, _ := e.postForm("/oauth/authorize", url.Values{
		"response_type": {"code"}, "client_id": {"edgeflix-web"}, "redirect_uri": {e.url + "/app/callback"},
		"code_challenge": {c}, "code_challenge_method": {"S256"}, "state": {"st"},
		"email": {email}, "password": {password},
	})
	return resp
}

// parallelLogins sends n login attempts at once and counts the statuses.
// Argon2id under -race on a shared machine takes seconds per check, so the
// client waits longer than the harness's default.
func (e *env) parallelLogins(n int, email func(i int) string, password string) map[int]int {
	slow := *e
	slow.http = &http.Client{Timeout: 2 * time.Minute, CheckRedirect: e.http.CheckRedirect}
	e = &slow
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp := e.loginAttempt(email(i), password)
			mu.Lock()
			counts[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return counts
}

// TestLoginLockoutRace sends 20 wrong passwords for one e-mail at once:
// at most the failure limit (10) may reach the password check, the rest
// are refused with 429, and then even the right password waits.
func TestLoginLockoutRace(t *testing.T) {
	e := newEnv(t)
	email := randomEmail()
	e.createAccount(email, "correct horse battery")
	limit := oauth.DefaultLimits().LoginFailures.Burst
	counts := e.parallelLogins(20, func(int) string { return email }, "wrong password!")
	if counts[401] > limit || counts[401]+counts[429] != 20 {
		t.Fatalf("statuses %v: at most %d passwords may be checked, the rest 429", counts, limit)
	}
	if resp := e.loginAttempt(email, "correct horse battery"); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("right password after the lockout: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestLoginRefundOnSuccess checks that successful sign-ins give back the
// attempt counted before the password check: a viewer who signs in often
// is never locked out, and failures still are.
func TestLoginRefundOnSuccess(t *testing.T) {
	e := newEnv(t)
	email := randomEmail()
	e.createAccount(email, "correct horse battery")
	limit := oauth.DefaultLimits().LoginFailures.Burst
	for i := range limit - 1 {
		if resp := e.loginAttempt(email, "wrong password!"); resp.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i, resp.StatusCode)
		}
	}
	for i := range 2 * limit {
		if resp := e.loginAttempt(email, "correct horse battery"); resp.StatusCode != 302 {
			t.Fatalf("sign-in %d after %d failures: %d", i, limit-1, resp.StatusCode)
		}
	}
	if resp := e.loginAttempt(email, "wrong password!"); resp.StatusCode != 401 {
		t.Fatalf("last allowed failure: %d", resp.StatusCode)
	}
	if resp := e.loginAttempt(email, "correct horse battery"); resp.StatusCode != 429 {
		t.Fatalf("after %d failures: %d, want 429", limit, resp.StatusCode)
	}
}

// TestPasswordHashGate bounds concurrent Argon2id work to a memory budget
// of two checks: a flood of sign-ins from many e-mails never runs more at
// once, and a sign-in that finds the budget taken for the whole wait gets
// 503 with Retry-After without its attempt counting as a failure.
func TestPasswordHashGate(t *testing.T) {
	e := newEnvWith(t, func(c *origin.Config) {
		c.PasswordHashMemory = 2*19<<20 + 1<<20
		c.PasswordHashWait = 300 * time.Millisecond
		c.RateLimits = oauth.DefaultLimits()
		c.RateLimits.LoginIP = ratelimit.PerMinute(1000, 1000)
	})
	gate := e.srv.PasswordHashGate()
	if gate.Slots() != 2 {
		t.Fatalf("slots %d, want 2", gate.Slots())
	}
	email := randomEmail()
	e.createAccount(email, "correct horse battery")

	t.Run("flood never exceeds the bound", func(t *testing.T) {
		counts := e.parallelLogins(24, func(int) string { return randomEmail() }, "wrong password!")
		if peak := gate.Peak(); peak < 1 || peak > 2 {
			t.Fatalf("peak concurrent hashes %d, bound 2 (statuses %v)", peak, counts)
		}
		if counts[401]+counts[503] != 24 || counts[401] == 0 {
			t.Fatalf("statuses %v", counts)
		}
	})

	t.Run("full answers 503 after the wait", func(t *testing.T) {
		held, release := make(chan struct{}, 2), make(chan struct{})
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				gate.Run(context.Background(), func() { held <- struct{}{}; <-release })
			}()
		}
		<-held
		<-held
		limit := oauth.DefaultLimits().LoginFailures.Burst
		for i := range limit + 2 {
			began := time.Now()
			resp := e.loginAttempt(email, "correct horse battery")
			if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" {
				t.Fatalf("attempt %d with the gate full: %d %v", i, resp.StatusCode, resp.Header)
			}
			if waited := time.Since(began); waited < gate.Wait() {
				t.Fatalf("answered after %v, before the %v wait", waited, gate.Wait())
			}
		}
		resp, body := e.postJSON("/v1/accounts", "", `{"email":"`+randomEmail()+`","password":"correct horse battery"}`)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("sign-up with the gate full: %d %s", resp.StatusCode, body)
		}
		close(release)
		wg.Wait()
		// The refused attempts were refunded: the password is still checked.
		if resp := e.loginAttempt(email, "correct horse battery"); resp.StatusCode != 302 {
			t.Fatalf("sign-in with room again: %d", resp.StatusCode)
		}
	})

	t.Run("a short wait rides out a burst", func(t *testing.T) {
		release := make(chan struct{})
		held := make(chan struct{}, 2)
		for range 2 {
			go gate.Run(context.Background(), func() { held <- struct{}{}; <-release })
		}
		<-held
		<-held
		time.AfterFunc(50*time.Millisecond, func() { close(release) })
		if resp := e.loginAttempt(email, "correct horse battery"); resp.StatusCode != 302 {
			t.Fatalf("sign-in that waited 50 ms: %d", resp.StatusCode)
		}
	})
}
