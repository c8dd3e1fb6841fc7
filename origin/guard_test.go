package origin_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin"
)

// TestNonCanonicalPathsAreRefused sends paths whose raw form differs from
// the normalised one the origin routes on (issue #11 item 6): a load
// balancer that matches raw paths would route them elsewhere, so the
// origin answers 400 before any handler runs. The canonical forms of the
// same routes still reach their handlers.
func TestNonCanonicalPathsAreRefused(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ name, method, path string }{
		{"percent-encoded letter", "POST", "/v1/%6Fperator/titles"},
		{"percent-encoded letters everywhere", "POST", "/%76%31/%6F%70%65%72%61%74%6F%72/titles"},
		{"lower-case escape", "GET", "/v1/%74itles"},
		{"double slash first", "POST", "//v1/operator/titles"},
		{"double slash inside", "POST", "/v1//operator/titles"},
		{"dot-dot segment", "POST", "/v1/x/../operator/titles"},
		{"dot segment", "POST", "/v1/./operator/titles"},
		{"encoded dot-dot", "POST", "/v1/x/%2E%2E/operator/titles"},
		{"encoded slash", "POST", "/v1/operator%2Ftitles"},
		{"encoded slash lower", "POST", "/v1%2foperator/titles"},
		{"backslash", "POST", "/v1/operator\\titles"},
		{"encoded backslash", "POST", "/v1/operator%5Ctitles"},
		{"trailing dot segment", "POST", "/v1/operator/titles/."},
		{"trailing dot", "POST", "/v1/operator/titles."},
		{"dot-ending segment", "POST", "/v1/operator./titles"},
		{"NUL", "POST", "/v1/operator/titles%00"},
		{"overlong UTF-8 slash", "POST", "/v1%C0%AFoperator/titles"},
		{"overlong UTF-8 dot", "POST", "/v1/%C0%AE%C0%AE/operator/titles"},
		{"raw UTF-8", "GET", "/v1/titl\xc3\xa9s"},
		{"encoded space", "GET", "/livez%20"},
		{"media dot-dot to the store root", "GET", "/v1/media/../store/secret"},
		{"web app dot-dot", "GET", "/app/../v1/account"},
		{"well-known encoded", "GET", "/.well-known/jwks%2Ejson"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if st, body := rawResponse(t, e.url, c.method, c.path); st != 400 || !strings.Contains(body, "non-canonical-path") {
				t.Fatalf("%s %q: %d %s", c.method, c.path, st, body)
			}
		})
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"POST", "/v1/operator/titles", 401}, // reaches the bearer check
		{"GET", "/livez", 200},
		{"GET", "/.well-known/jwks.json", 200},
		{"GET", "/app/", 200},
		{"GET", "/v1/titles?q=%2F..%2F", 401}, // the query is not the path
		{"GET", "/v1/media/asset-1/master.m3u8", 404},
	} {
		if st, body := rawResponse(t, e.url, c.method, c.path); st != c.status {
			t.Errorf("canonical %s %s: %d %s", c.method, c.path, st, body)
		}
	}
}

// rawResponse sends a request line exactly as given (no client cleans the
// path) and returns the status and body.
func rawResponse(t *testing.T, base, method, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", method, target)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"/", "/v1/titles", "/app/", "//v1", "/v1/%6F", "/a/../b", "/a/./b", "/a.", "/a\\b", "/\xc0\xaf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var u fasthttp.URI
		u.SetPath(raw)
		norm := u.Path()
		if !origin.CanonicalPath([]byte(raw), norm) {
			return
		}
		// Accepted: already normal, nothing encoded, no dot or empty
		// segments, ASCII only.
		if raw != string(norm) || strings.ContainsAny(raw, "%\\") || strings.Contains(raw, "//") ||
			strings.Contains(raw+"/", "./") {
			t.Fatalf("accepted %q (normalised %q)", raw, norm)
		}
		for i := 0; i < len(raw); i++ {
			if raw[i] < 0x21 || raw[i] > 0x7e {
				t.Fatalf("accepted byte %#x in %q", raw[i], raw)
			}
		}
	})
}

// TestKidsProfileCannotLiftParentalControls is the attack of issue #11
// item 4 over real MariaDB and Redis: a device on a kids profile (the
// adult profile has a PIN) tries to lift its own ceiling, make a new adult
// profile, drop or PIN its profile, and play an R title. Only a non-kids
// profile selected with its PIN may change parental controls.
func TestKidsProfileCannotLiftParentalControls(t *testing.T) {
	e := newEnv(t)
	e.publishMovie("r-film", 3)
	parent := e.newViewer("premium")
	resp, b := e.call("POST", "/v1/profiles", parent.token, `{"name":"Kids","kids":true}`)
	var kids struct{ ID string }
	if json.Unmarshal(b, &kids); resp.StatusCode != 201 || kids.ID == "" {
		t.Fatalf("parent creates kids profile: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.call("PATCH", "/v1/profiles/"+parent.profile, parent.token, `{"pin":"2468"}`); resp.StatusCode != 200 {
		t.Fatalf("parent locks the adult profile: %d %s", resp.StatusCode, b)
	}
	selectProfile := func(token, id, body string) string {
		t.Helper()
		resp, b := e.call("POST", "/v1/profiles/"+id+"/select", token, body)
		var tr tokenResponse
		if json.Unmarshal(b, &tr); resp.StatusCode != 200 || tr.AccessToken == "" {
			t.Fatalf("select %s: %d %s", id, resp.StatusCode, b)
		}
		return tr.AccessToken
	}
	kid := viewer{token: selectProfile(parent.token, kids.ID, ""), account: parent.account, profile: kids.ID}

	for _, c := range []struct {
		name, method, path, body string
	}{
		{"lift own ceiling", "PATCH", "/v1/profiles/" + kids.ID, `{"kids":false,"maturity_level":4}`},
		{"raise own level", "PATCH", "/v1/profiles/" + kids.ID, `{"maturity_level":2}`},
		{"lower own level", "PATCH", "/v1/profiles/" + kids.ID, `{"maturity_level":0}`},
		{"clear kids only", "PATCH", "/v1/profiles/" + kids.ID, `{"kids":false}`},
		{"pin own profile", "PATCH", "/v1/profiles/" + kids.ID, `{"pin":"1111"}`},
		{"make an adult profile", "POST", "/v1/profiles", `{"name":"Mine"}`},
		{"make another kids profile", "POST", "/v1/profiles", `{"name":"Mine","kids":true}`},
		{"delete own profile", "DELETE", "/v1/profiles/" + kids.ID, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, b := e.call(c.method, c.path, kid.token, c.body)
			if resp.StatusCode != 403 || !strings.Contains(string(b), "parental-controls") {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
		})
	}
	t.Run("nothing changed", func(t *testing.T) {
		resp, b := e.call("GET", "/v1/profiles", kid.token, "")
		var l struct {
			Items []struct {
				ID            string
				Kids          bool
				MaturityLevel int  `json:"maturity_level"`
				HasPIN        bool `json:"has_pin"`
			}
		}
		if json.Unmarshal(b, &l); resp.StatusCode != 200 || len(l.Items) != 2 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		for _, p := range l.Items {
			if p.ID == kids.ID && (!p.Kids || p.MaturityLevel != 1 || p.HasPIN) {
				t.Fatalf("kids profile changed: %s", b)
			}
		}
	})
	t.Run("the R title does not play", func(t *testing.T) {
		if st, m := e.start(kid, "r-film"); st != 403 {
			t.Fatalf("%d %v", st, m)
		}
		resp, b := e.postJSON("/v1/playback", kid.token, `{"title_id":"r-film","profile_id":"`+parent.profile+`","device":`+desktop+`}`)
		if resp.StatusCode != 403 {
			t.Fatalf("as the locked adult profile: %d %s", resp.StatusCode, b)
		}
	})
	t.Run("a kids profile may still rename itself", func(t *testing.T) {
		// The web app sends the whole form: an unchanged kids flag and
		// level are no change.
		for _, body := range []string{`{"name":"Dino"}`, `{"name":"Rex","kids":true,"maturity_level":1}`} {
			if resp, b := e.call("PATCH", "/v1/profiles/"+kids.ID, kid.token, body); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", body, resp.StatusCode, b)
			}
		}
	})
	t.Run("the adult profile unlocked by its pin may", func(t *testing.T) {
		adult := selectProfile(kid.token, parent.profile, `{"pin":"2468"}`)
		if resp, b := e.call("PATCH", "/v1/profiles/"+kids.ID, adult, `{"maturity_level":0}`); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		resp, b := e.call("POST", "/v1/profiles", adult, `{"name":"Teen","maturity_level":2}`)
		if resp.StatusCode != 201 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		// A token that has not selected the PIN profile (the account's
		// first) is not a guardian either.
		if resp, b := e.call("POST", "/v1/profiles", parent.token, `{"name":"Other"}`); resp.StatusCode != 403 || !strings.Contains(string(b), "profile-locked") {
			t.Fatalf("pid-less token on a PIN first profile: %d %s", resp.StatusCode, b)
		}
	})
}
