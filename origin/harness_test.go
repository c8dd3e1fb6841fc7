package origin_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/objstore"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a running origin with its dependencies.
type env struct {
	t     *testing.T
	url   string
	srv   *origin.Server
	db    *sql.DB
	media *objstore.Store
	clock *clock
	http  *http.Client
}

const edgeURL = "http://edge.test:8081"

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// do sends a request and returns the response with its body read.
func (e *env) do(method, path string, header http.Header, body io.Reader) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

func (e *env) postJSON(path, token, body string) (*http.Response, []byte) {
	h := http.Header{"Content-Type": {"application/json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return e.do("POST", path, h, strings.NewReader(body))
}

func (e *env) postForm(path string, form url.Values) (*http.Response, []byte) {
	return e.do("POST", path, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, strings.NewReader(form.Encode()))
}

func (e *env) get(path, token string) (*http.Response, []byte) {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return e.do("GET", path, h, nil)
}

func (e *env) createAccount(email, password string) {
	e.t.Helper()
	resp, b := e.postJSON("/v1/accounts", "", `{"email":"`+email+`","password":"`+password+`"}`)
	if resp.StatusCode != 201 {
		e.t.Fatalf("create account: %d %s", resp.StatusCode, b)
	}
}

// pkce returns a verifier and its S256 challenge.
func pkce() (string, string) {
	v := strings.Repeat("v", 10) + rand.Text() + rand.Text()
	return v, oauth.S256(v)
}

// authorize signs in through the login form and returns the code.
func (e *env) authorize(email, password, challenge string) string {
	e.t.Helper()
	form := url.Values{
		"response_type": {"code"}, "client_id": {"edgeflix-web"}, "redirect_uri": {e.url + "/app/callback"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"st"},
		"email": {email}, "password": {password},
	}
	resp, b := e.postForm("/oauth/authorize", form)
	if resp.StatusCode != 302 {
		e.t.Fatalf("authorize: %d %s", resp.StatusCode, b)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return loc.Query().Get("code")
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	Error        string `json:"error"`
}

func (e *env) token(form url.Values) (int, tokenResponse) {
	e.t.Helper()
	resp, b := e.postForm("/oauth/token", form)
	var tr tokenResponse
	if err := json.Unmarshal(b, &tr); err != nil {
		e.t.Fatalf("token answer %d %q: %v", resp.StatusCode, b, err)
	}
	return resp.StatusCode, tr
}

// login creates an account and returns an access token for it.
func (e *env) login() string {
	e.t.Helper()
	email := strings.ToLower(rand.Text()[:10]) + "@example.com"
	e.createAccount(email, "correct horse battery")
	v, c := pkce()
	code := e.authorize(email, "correct horse battery", c)
	st, tr := e.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"edgeflix-web"},
		"redirect_uri": {e.url + "/app/callback"}, "code_verifier": {v}})
	if st != 200 {
		e.t.Fatalf("token: %d %+v", st, tr)
	}
	return tr.AccessToken
}

func (e *env) putObject(key, contentType string, body []byte) {
	e.t.Helper()
	_, err := e.media.Client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(e.media.Bucket), Key: aws.String(key), Body: bytes.NewReader(body), ContentType: aws.String(contentType),
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// addTitle inserts an asset and a title published at published (nil: not published).
func (e *env) addTitle(id, asset string, published *time.Time) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.db.ExecContext(ctx, "INSERT IGNORE INTO assets (id, duration_ms) VALUES (?, 60000)", asset); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.ExecContext(ctx, "INSERT IGNORE INTO renditions (asset_id, name, width, height, bandwidth, codecs) VALUES (?, '720p', 1280, 720, 3000000, 'avc1.64001f,mp4a.40.2')", asset); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.ExecContext(ctx, "INSERT INTO titles (id, name, synopsis, year, maturity, runtime_s, asset_id, published_at) VALUES (?, ?, 'A test title.', 2024, 'PG', 60, ?, ?)",
		id, "Title "+id, asset, published); err != nil {
		e.t.Fatal(err)
	}
}
