package origin_test

import (
	"context"
	"crypto/rand"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin"
)

// stopRecorder records StopDevice calls (the real playback side is wired by
// default; tests that check the call use this real implementation of the
// interface instead).
type stopRecorder struct {
	mu    sync.Mutex // guards calls
	calls []string
}

func (r *stopRecorder) StopDevice(_ context.Context, accountID, deviceID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, accountID+"/"+deviceID)
	return nil
}

func (r *stopRecorder) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// newEnvWith starts an origin on loopback over fresh MariaDB, Redis and S3
// stores, with mod, if not nil, changing its Config first.
func newEnvWith(t *testing.T, mod func(*origin.Config)) *env {
	t.Helper()
	db, _ := testenv.MySQL(t)
	rdb, prefix := testenv.Redis(t)
	st := testenv.S3(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	kek := make([]byte, 32)
	rand.Read(kek)
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	cfg := origin.Config{
		PublicURL: base, EdgeURL: edgeURL, DB: db, Redis: rdb, RedisPrefix: prefix, Media: st,
		WebDir: fstest.MapFS{
			"index.html":   {Data: []byte("<!doctype html><title>edgeflix</title>")},
			"player.wasm":  {Data: []byte("\x00asm\x01\x00\x00\x00")},
			"wasm_exec.js": {Data: []byte("// go")},
			"app.css":      {Data: []byte("body{}")},
		},
		KeyEncryptionKey: kek, Now: clk.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := origin.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return &env{t: t, url: base, srv: srv, db: db, media: st, clock: clk, http: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// session is a signed-in web client.
type session struct {
	email, access, refresh string
}

// signIn creates an account (if password is set) and signs in through the
// code flow with extra authorize parameters.
func (e *env) signIn(email string, create bool, extra url.Values) session {
	e.t.Helper()
	if create {
		e.createAccount(email, "correct horse battery")
	}
	v, c := pkce()
	form := url.Values{
		"response_type": {"code"}, "client_id": {"edgeflix-web"}, "redirect_uri": {e.url + "/app/callback"},
		"code_challenge": {c}, "code_challenge_method": {"S256"}, "state": {"st"},
		"email": {email}, "password": {"correct horse battery"},
	}
	for k, vs := range extra {
		form[k] = vs
	}
	resp, b := e.postForm("/oauth/authorize", form)
	if resp.StatusCode != 302 {
		e.t.Fatalf("authorize: %d %s", resp.StatusCode, b)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	st, tr := e.token(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "client_id": {"edgeflix-web"},
		"redirect_uri": {e.url + "/app/callback"}, "code_verifier": {v}})
	if st != 200 {
		e.t.Fatalf("token: %d %+v", st, tr)
	}
	return session{email: email, access: tr.AccessToken, refresh: tr.RefreshToken}
}

func randomEmail() string { return strings.ToLower(rand.Text()[:10]) + "@example.com" }

// send sends a request with a JSON body (if any) and a Bearer token.
func (e *env) send(method, path, token, body string) (*http.Response, []byte) {
	e.t.Helper()
	h := http.Header{}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return e.do(method, path, h, strings.NewReader(body))
}
