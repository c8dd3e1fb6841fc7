package origin_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/devices"
	"github.com/edgeflix/edgeflix/origin/oauth"
)

// claimsOf decodes a JWT's payload without verifying it (for inspection).
func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func refreshWith(e *env, client, token string) (int, tokenResponse) {
	return e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "client_id": {client}})
}

func TestRefreshConcurrentReuse(t *testing.T) {
	e := newEnv(t)
	s := e.signIn(randomEmail(), true, nil)
	const n = 8
	var wg sync.WaitGroup
	codes := make([]int, n)
	answers := make([]tokenResponse, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i], answers[i] = refreshWith(e, "edgeflix-web", s.refresh)
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	var winner tokenResponse
	for i := range n {
		switch {
		case codes[i] == 200:
			wins++
			winner = answers[i]
		case codes[i] != 400 || answers[i].Error != "invalid_grant":
			t.Fatalf("refresh %d: %d %+v", i, codes[i], answers[i])
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent refreshes won, want exactly 1", wins)
	}
	// The losers were reuses: the family, the winner's new refresh token
	// and the device's access tokens are all revoked.
	if st, tr := refreshWith(e, "edgeflix-web", winner.RefreshToken); st != 400 || tr.Error != "invalid_grant" {
		t.Fatalf("family survived reuse: %d %+v", st, tr)
	}
	if resp, _ := e.get("/v1/account", winner.AccessToken); resp.StatusCode != 401 {
		t.Fatalf("access token survived reuse: %d", resp.StatusCode)
	}
}

func TestDeviceGrant(t *testing.T) {
	e := newEnv(t)
	web := e.signIn(randomEmail(), true, nil)
	start := func(t *testing.T) oauth.DeviceAuthorization {
		t.Helper()
		resp, b := e.do("POST", "/oauth/device_authorization", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "User-Agent": {"Mozilla/5.0 (SMART-TV; Tizen 6.0)"}},
			strings.NewReader(url.Values{"client_id": {"edgeflix-tv"}, "device_name": {"Living room"}}.Encode()))
		var da oauth.DeviceAuthorization
		if resp.StatusCode != 200 || json.Unmarshal(b, &da) != nil {
			t.Fatalf("device authorization: %d %s", resp.StatusCode, b)
		}
		return da
	}
	poll := func(deviceCode string) (int, tokenResponse) {
		return e.token(url.Values{"grant_type": {oauth.DeviceCodeGrantType}, "device_code": {deviceCode}, "client_id": {"edgeflix-tv"}})
	}
	decide := func(action, code string) int {
		resp, _ := e.send("POST", "/v1/device/"+action, web.access, `{"user_code":"`+code+`"}`)
		return resp.StatusCode
	}

	t.Run("answer shape", func(t *testing.T) {
		da := start(t)
		if !regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`).MatchString(da.UserCode) {
			t.Errorf("user code %q", da.UserCode)
		}
		if da.VerificationURI != e.url+"/app/activate" || da.VerificationURIComplete != e.url+"/app/activate?user_code="+da.UserCode ||
			da.ExpiresIn != 600 || da.Interval != 5 || len(da.DeviceCode) < 40 {
			t.Errorf("%+v", da)
		}
	})
	t.Run("web client may not use it", func(t *testing.T) {
		resp, b := e.postForm("/oauth/device_authorization", url.Values{"client_id": {"edgeflix-web"}})
		if resp.StatusCode != 400 || !strings.Contains(string(b), "unauthorized_client") {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("pending, slow_down, approved", func(t *testing.T) {
		da := start(t)
		if st, tr := poll(da.DeviceCode); st != 400 || tr.Error != "authorization_pending" {
			t.Fatalf("first poll: %d %+v", st, tr)
		}
		if st, tr := poll(da.DeviceCode); st != 400 || tr.Error != "slow_down" {
			t.Fatalf("fast poll: %d %+v", st, tr)
		}
		// The interval grew to 10 s: 6 s later is still too fast.
		e.clock.Add(6 * time.Second)
		if st, tr := poll(da.DeviceCode); st != 400 || tr.Error != "slow_down" {
			t.Fatalf("poll after 6 s with interval 10: %d %+v", st, tr)
		}
		e.clock.Add(16 * time.Second)
		if st, tr := poll(da.DeviceCode); st != 400 || tr.Error != "authorization_pending" {
			t.Fatalf("poll after 16 s: %d %+v", st, tr)
		}
		if st := decide("approve", strings.ToLower(strings.ReplaceAll(da.UserCode, "-", " "))); st != 204 {
			t.Fatalf("approve: %d", st)
		}
		if st := decide("approve", da.UserCode); st != 400 {
			t.Fatalf("second approve of the same code: %d", st)
		}
		e.clock.Add(30 * time.Second)
		st, tr := poll(da.DeviceCode)
		if st != 200 || tr.AccessToken == "" || tr.RefreshToken == "" {
			t.Fatalf("approved poll: %d %+v", st, tr)
		}
		if c := claimsOf(t, tr.AccessToken); c["client_id"] != "edgeflix-tv" || c["did"] == nil || c["did"] == "" {
			t.Fatalf("claims %v", c)
		}
		resp, b := e.get("/v1/devices", tr.AccessToken)
		var list devices.ListResponse
		if resp.StatusCode != 200 || json.Unmarshal(b, &list) != nil {
			t.Fatalf("devices: %d %s", resp.StatusCode, b)
		}
		found := false
		for _, d := range list.Items {
			if d.Current {
				found = true
				if d.Class != "tv" || d.Name != "Living room" || d.ClientID != "edgeflix-tv" {
					t.Errorf("tv device %+v", d)
				}
			}
		}
		if !found {
			t.Fatalf("no current device in %s", b)
		}
		if st, tr := poll(da.DeviceCode); st != 400 || tr.Error != "invalid_grant" {
			t.Fatalf("device code used twice: %d %+v", st, tr)
		}
		if st, tr := refreshWith(e, "edgeflix-tv", tr.RefreshToken); st != 200 {
			t.Fatalf("tv refresh: %d %+v", st, tr)
		}
	})
	t.Run("denied", func(t *testing.T) {
		da := start(t)
		if st := decide("deny", da.UserCode); st != 204 {
			t.Fatalf("deny: %d", st)
		}
		if st, tr := poll(da.DeviceCode); st != 400 || tr.Error != "access_denied" {
			t.Fatalf("%d %+v", st, tr)
		}
	})
	t.Run("expired", func(t *testing.T) {
		da := start(t)
		e.clock.Add(601 * time.Second)
		if st := decide("approve", da.UserCode); st != 400 {
			t.Fatalf("approve after expiry: %d", st)
		}
		if st, tr := poll(da.DeviceCode); st != 400 || tr.Error != "expired_token" {
			t.Fatalf("%d %+v", st, tr)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, c := range []struct{ body, path string }{
			{`{"user_code":"AAAA-AAAA"}`, "approve"},
			{`{"user_code":"BCDF-GHJ"}`, "approve"},
			{`{"user_code":"BCDF-GHJK"}`, "deny"},
		} {
			resp, b := e.send("POST", "/v1/device/"+c.path, web.access, c.body)
			if resp.StatusCode != 400 || !strings.Contains(string(b), "invalid-user-code") {
				t.Errorf("%s: %d %s", c.body, resp.StatusCode, b)
			}
		}
		for _, body := range []string{`{"user_code":1}`, `{"user_code":"x","extra":1}`, `[]`} {
			resp, b := e.send("POST", "/v1/device/approve", web.access, body)
			if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s", body, resp.StatusCode, b)
			}
		}
		if resp, _ := e.send("POST", "/v1/device/approve", "", `{"user_code":"BCDF-GHJK"}`); resp.StatusCode != 401 {
			t.Errorf("approve without a token: %d", resp.StatusCode)
		}
		if st, tr := poll("nope"); st != 400 || tr.Error != "invalid_grant" {
			t.Errorf("unknown device code: %d %+v", st, tr)
		}
	})
}

func TestRevocation(t *testing.T) {
	e := newEnv(t)
	revoke := func(form url.Values) int {
		resp, _ := e.postForm("/oauth/revoke", form)
		return resp.StatusCode
	}
	t.Run("access token", func(t *testing.T) {
		s := e.signIn(randomEmail(), true, nil)
		other := e.signIn(s.email, false, nil)
		if st := revoke(url.Values{"token": {s.access}, "token_type_hint": {"access_token"}, "client_id": {"edgeflix-web"}}); st != 200 {
			t.Fatalf("revoke: %d", st)
		}
		if resp, _ := e.get("/v1/account", s.access); resp.StatusCode != 401 {
			t.Fatalf("revoked access token: %d", resp.StatusCode)
		}
		if resp, _ := e.get("/v1/account", other.access); resp.StatusCode != 200 {
			t.Fatalf("other session's token: %d", resp.StatusCode)
		}
		if st, _ := refreshWith(e, "edgeflix-web", s.refresh); st != 200 {
			t.Fatalf("revoking an access token killed the refresh token: %d", st)
		}
	})
	t.Run("refresh token", func(t *testing.T) {
		s := e.signIn(randomEmail(), true, nil)
		st, next := refreshWith(e, "edgeflix-web", s.refresh)
		if st != 200 {
			t.Fatal(st)
		}
		if st := revoke(url.Values{"token": {next.RefreshToken}, "client_id": {"edgeflix-web"}}); st != 200 {
			t.Fatalf("revoke: %d", st)
		}
		if st, tr := refreshWith(e, "edgeflix-web", next.RefreshToken); st != 400 || tr.Error != "invalid_grant" {
			t.Fatalf("revoked refresh token: %d %+v", st, tr)
		}
		if resp, _ := e.get("/v1/account", next.AccessToken); resp.StatusCode != 401 {
			t.Fatalf("device's access token after family revocation: %d", resp.StatusCode)
		}
	})
	t.Run("unknown tokens answer 200", func(t *testing.T) {
		for _, tok := range []string{"nope", strings.Repeat("x", 2000), "a.b.c"} {
			if st := revoke(url.Values{"token": {tok}, "client_id": {"edgeflix-web"}}); st != 200 {
				t.Errorf("%.10s: %d", tok, st)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		if st := revoke(url.Values{"token": {"x"}, "client_id": {"evil"}}); st != 401 {
			t.Errorf("unknown client: %d", st)
		}
		if st := revoke(url.Values{"client_id": {"edgeflix-web"}}); st != 400 {
			t.Errorf("no token: %d", st)
		}
		resp, _ := e.do("POST", "/oauth/revoke", http.Header{"Content-Type": {"application/json"}}, strings.NewReader(`{"token":"x"}`))
		if resp.StatusCode != 400 {
			t.Errorf("json body: %d", resp.StatusCode)
		}
	})
	t.Run("another client's token is left alone", func(t *testing.T) {
		s := e.signIn(randomEmail(), true, nil)
		if st := revoke(url.Values{"token": {s.refresh}, "client_id": {"edgeflix-tv"}}); st != 200 {
			t.Fatal(st)
		}
		if st, _ := refreshWith(e, "edgeflix-web", s.refresh); st != 200 {
			t.Fatalf("tv client revoked a web token: %d", st)
		}
	})
}

func TestProfiles(t *testing.T) {
	e := newEnv(t)
	s := e.signIn(randomEmail(), true, nil)
	list := func(token string) []map[string]any {
		resp, b := e.get("/v1/profiles", token)
		var l struct{ Items []map[string]any }
		if resp.StatusCode != 200 || json.Unmarshal(b, &l) != nil {
			t.Fatalf("profiles: %d %s", resp.StatusCode, b)
		}
		return l.Items
	}
	first := list(s.access)
	if len(first) != 1 || first[0]["name"] != "Main" || first[0]["maturity_level"] != 4.0 || first[0]["kids"] != false {
		t.Fatalf("new account's profiles %v", first)
	}
	mainID := first[0]["id"].(string)
	create := func(body string) (int, map[string]any) {
		resp, b := e.send("POST", "/v1/profiles", s.access, body)
		var p map[string]any
		json.Unmarshal(b, &p)
		return resp.StatusCode, p
	}
	var kidsID, pinID string
	t.Run("create rules", func(t *testing.T) {
		cases := []struct {
			name, body string
			status     int
			check      func(p map[string]any) bool
		}{
			{"kids default ceiling", `{"name":"Kids","kids":true}`, 201, func(p map[string]any) bool {
				kidsID, _ = p["id"].(string)
				return p["maturity_level"] == 1.0 && p["maturity"] == "PG"
			}},
			{"kids above ceiling", `{"name":"Kids2","kids":true,"maturity_level":3}`, 400, nil},
			{"level out of range", `{"name":"X","maturity_level":5}`, 400, nil},
			{"no name", `{"kids":false}`, 400, nil},
			{"long name", `{"name":"` + strings.Repeat("n", 51) + `"}`, 400, nil},
			{"bad pin", `{"name":"P","pin":"12a4"}`, 400, nil},
			{"short pin", `{"name":"P","pin":"123"}`, 400, nil},
			{"unknown field", `{"name":"P","admin":true}`, 400, nil},
			{"wrong type", `{"name":"P","kids":"yes"}`, 400, nil},
			{"with pin", `{"name":"Private","pin":"4821"}`, 201, func(p map[string]any) bool {
				pinID, _ = p["id"].(string)
				return p["has_pin"] == true && p["pin"] == nil
			}},
			{"fourth", `{"name":"Four"}`, 201, nil},
			{"fifth", `{"name":"Five"}`, 201, nil},
			{"sixth is too many", `{"name":"Six"}`, 409, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				st, p := create(c.body)
				if st != c.status || (c.check != nil && !c.check(p)) {
					t.Fatalf("%d %v", st, p)
				}
			})
		}
	})
	t.Run("kids ceiling cannot be raised without clearing kids", func(t *testing.T) {
		if resp, b := e.send("PATCH", "/v1/profiles/"+kidsID, s.access, `{"maturity_level":2}`); resp.StatusCode != 400 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		resp, b := e.send("PATCH", "/v1/profiles/"+kidsID, s.access, `{"kids":false,"maturity_level":2}`)
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"maturity_level":2`) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		resp, b = e.send("PATCH", "/v1/profiles/"+kidsID, s.access, `{"kids":true}`)
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"maturity_level":1`) {
			t.Fatalf("turning kids on: %d %s", resp.StatusCode, b)
		}
	})
	t.Run("select", func(t *testing.T) {
		selectP := func(id, body string) (int, tokenResponse) {
			resp, b := e.send("POST", "/v1/profiles/"+id+"/select", s.access, body)
			var tr tokenResponse
			json.Unmarshal(b, &tr)
			return resp.StatusCode, tr
		}
		st, tr := selectP(kidsID, "")
		if st != 200 || claimsOf(t, tr.AccessToken)["pid"] != kidsID {
			t.Fatalf("select kids: %d %+v", st, tr)
		}
		if st, _ := selectP(pinID, `{}`); st != 403 {
			t.Fatalf("pin profile without pin: %d", st)
		}
		if st, _ := selectP(pinID, `{"pin":"0000"}`); st != 403 {
			t.Fatalf("wrong pin: %d", st)
		}
		st, tr = selectP(pinID, `{"pin":"4821"}`)
		if st != 200 || claimsOf(t, tr.AccessToken)["pid"] != pinID {
			t.Fatalf("right pin: %d %+v", st, tr)
		}
		// The device remembers the profile: a refresh carries pid.
		st, rt := refreshWith(e, "edgeflix-web", s.refresh)
		if st != 200 || claimsOf(t, rt.AccessToken)["pid"] != pinID {
			t.Fatalf("refresh lost pid: %d %v", st, claimsOf(t, rt.AccessToken))
		}
		s.refresh = rt.RefreshToken
		// Only a token that selected the PIN profile may change it.
		if resp, _ := e.send("PATCH", "/v1/profiles/"+pinID, s.access, `{"name":"Mine"}`); resp.StatusCode != 403 {
			t.Fatalf("locked profile changed without its pin: %d", resp.StatusCode)
		}
		if resp, b := e.send("PATCH", "/v1/profiles/"+pinID, tr.AccessToken, `{"name":"Mine"}`); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		if st, _ := selectP("999999", ""); st != 404 {
			t.Fatalf("unknown profile: %d", st)
		}
	})
	t.Run("pin attempts are limited", func(t *testing.T) {
		other := e.signIn(randomEmail(), true, nil)
		resp, b := e.send("POST", "/v1/profiles", other.access, `{"name":"Locked","pin":"1111"}`)
		var p map[string]any
		json.Unmarshal(b, &p)
		if resp.StatusCode != 201 {
			t.Fatal(resp.StatusCode)
		}
		var last *http.Response
		for i := range 7 {
			last, _ = e.send("POST", "/v1/profiles/"+p["id"].(string)+"/select", other.access, fmt.Sprintf(`{"pin":"%04d"}`, 2000+i))
			if last.StatusCode == 429 {
				break
			}
		}
		if last.StatusCode != 429 || last.Header.Get("Retry-After") == "" {
			t.Fatalf("pin guessing not limited: %d", last.StatusCode)
		}
	})
	t.Run("delete", func(t *testing.T) {
		other := e.signIn(randomEmail(), true, nil)
		items := list(other.access)
		if resp, b := e.send("DELETE", "/v1/profiles/"+items[0]["id"].(string), other.access, ""); resp.StatusCode != 409 || !strings.Contains(string(b), "last-profile") {
			t.Fatalf("deleting the last profile: %d %s", resp.StatusCode, b)
		}
		// The same problem as a browse or playback request naming it (one
		// table of profile problems).
		if resp, b := e.send("DELETE", "/v1/profiles/"+mainID, other.access, ""); resp.StatusCode != 404 || !strings.Contains(string(b), `profile-not-found","title":"Not Found","status":404,"detail":"no such profile on this account"`) {
			t.Fatalf("deleting another account's profile: %d %s", resp.StatusCode, b)
		}
		if resp, _ := e.send("DELETE", "/v1/profiles/"+kidsID, s.access, ""); resp.StatusCode != 204 {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		if got := len(list(s.access)); got != 4 {
			t.Fatalf("%d profiles after delete", got)
		}
	})
}

func TestDevices(t *testing.T) {
	rec := &stopRecorder{}
	e := newEnvWith(t, func(c *origin.Config) { c.Streams = rec })
	email := randomEmail()
	phone := e.signIn(email, true, url.Values{"device_class": {"phone"}, "device_name": {"Ana's phone"}})
	desk := func() session {
		v, c := pkce()
		form := url.Values{"response_type": {"code"}, "client_id": {"edgeflix-web"}, "redirect_uri": {e.url + "/app/callback"},
			"code_challenge": {c}, "code_challenge_method": {"S256"}, "email": {email}, "password": {"correct horse battery"}}
		resp, b := e.do("POST", "/oauth/authorize", http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
			"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}}, strings.NewReader(form.Encode()))
		if resp.StatusCode != 302 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		loc, _ := url.Parse(resp.Header.Get("Location"))
		_, tr := e.token(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "client_id": {"edgeflix-web"},
			"redirect_uri": {e.url + "/app/callback"}, "code_verifier": {v}})
		return session{access: tr.AccessToken, refresh: tr.RefreshToken}
	}()
	listDevices := func(token string) devices.ListResponse {
		resp, b := e.get("/v1/devices", token)
		var l devices.ListResponse
		if resp.StatusCode != 200 || json.Unmarshal(b, &l) != nil {
			t.Fatalf("devices: %d %s", resp.StatusCode, b)
		}
		return l
	}
	l := listDevices(desk.access)
	if len(l.Items) != 2 {
		t.Fatalf("%+v", l)
	}
	var phoneID, deskID string
	for _, d := range l.Items {
		switch d.Class {
		case "phone":
			phoneID = d.ID
			if d.Name != "Ana's phone" || d.Current {
				t.Errorf("phone %+v", d)
			}
		case "desktop":
			deskID = d.ID
			if d.Name != "Firefox on Linux" || !d.Current {
				t.Errorf("desktop %+v", d)
			}
		default:
			t.Errorf("device %+v", d)
		}
	}
	t.Run("last seen moves on refresh", func(t *testing.T) {
		e.clock.Add(10 * time.Minute)
		st, tr := refreshWith(e, "edgeflix-web", phone.refresh)
		if st != 200 {
			t.Fatal(st)
		}
		phone.refresh, phone.access = tr.RefreshToken, tr.AccessToken
		for _, d := range listDevices(phone.access).Items {
			if d.ID == phoneID && (!d.LastSeen.After(d.FirstSeen) || !d.Current) {
				t.Fatalf("%+v", d)
			}
		}
	})
	t.Run("rename", func(t *testing.T) {
		resp, b := e.send("PATCH", "/v1/devices/"+phoneID, desk.access, `{"name":"Old phone"}`)
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"name":"Old phone"`) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		for _, body := range []string{`{"name":""}`, `{"name":"` + strings.Repeat("x", 65) + `"}`, `{"name":"a\u0000b"}`, `{"nom":"x"}`} {
			if resp, b := e.send("PATCH", "/v1/devices/"+phoneID, desk.access, body); resp.StatusCode != 400 {
				t.Errorf("%s: %d %s", body, resp.StatusCode, b)
			}
		}
	})
	t.Run("another account cannot see or revoke", func(t *testing.T) {
		other := e.signIn(randomEmail(), true, nil)
		if got := listDevices(other.access).Items; len(got) != 1 {
			t.Fatalf("%+v", got)
		}
		if resp, _ := e.send("DELETE", "/v1/devices/"+phoneID, other.access, ""); resp.StatusCode != 404 {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		if resp, b := e.send("DELETE", "/v1/devices/"+phoneID, desk.access, ""); resp.StatusCode != 204 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		if resp, _ := e.get("/v1/account", phone.access); resp.StatusCode != 401 {
			t.Fatalf("revoked device's access token: %d", resp.StatusCode)
		}
		if st, tr := refreshWith(e, "edgeflix-web", phone.refresh); st != 400 || tr.Error != "invalid_grant" {
			t.Fatalf("revoked device's refresh token: %d %+v", st, tr)
		}
		if resp, _ := e.get("/v1/account", desk.access); resp.StatusCode != 200 {
			t.Fatalf("other device signed out too: %d", resp.StatusCode)
		}
		if calls := rec.Calls(); len(calls) != 1 || !strings.HasSuffix(calls[0], "/"+phoneID) {
			t.Fatalf("stream stopper calls %v", calls)
		}
		if got := listDevices(desk.access).Items; len(got) != 1 || got[0].ID != deskID {
			t.Fatalf("%+v", got)
		}
		if resp, _ := e.send("DELETE", "/v1/devices/"+phoneID, desk.access, ""); resp.StatusCode != 404 {
			t.Fatalf("second revoke: %d", resp.StatusCode)
		}
	})
	t.Run("account summary", func(t *testing.T) {
		resp, b := e.get("/v1/account", desk.access)
		var a accounts.Summary
		if resp.StatusCode != 200 || json.Unmarshal(b, &a) != nil {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		if a.Email != email || a.Plan.Name != "standard" || a.Plan.Screens != 2 || a.Plan.MaxHeight != 1080 || a.ProfileCount != 1 || a.DeviceCount != 1 {
			t.Fatalf("%+v", a)
		}
	})
}
