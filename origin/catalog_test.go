package origin_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

type titlesPage struct {
	Items []struct {
		ID        string `json:"id"`
		Title     string `json:"title"`
		Synopsis  string `json:"synopsis"`
		Year      int    `json:"year"`
		Maturity  string `json:"maturity"`
		RuntimeS  int    `json:"runtime_s"`
		PosterURL string `json:"poster_url"`
	} `json:"items"`
	Next *string `json:"next"`
}

func TestTitlesPagination(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	base := e.clock.Now().Add(-time.Hour)
	var want []string
	// 7 titles, two pairs sharing a publication time (ties break by id).
	for i, off := range []int{0, 1, 1, 2, 3, 3, 4} {
		at := base.Add(-time.Duration(off) * time.Minute)
		id := fmt.Sprintf("t%02d", i)
		e.addTitle(id, fmt.Sprintf("a%02d", i), &at)
		want = append(want, id)
	}
	future := e.clock.Now().Add(time.Hour)
	e.addTitle("scheduled", "a-sched", &future)
	e.addTitle("draft", "a-draft", nil)

	for _, limit := range []int{1, 2, 3, 7, 100} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			var got []string
			path := fmt.Sprintf("/v1/titles?limit=%d", limit)
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("pagination does not end")
				}
				resp, b := e.get(path, tok)
				if resp.StatusCode != 200 {
					t.Fatalf("%d %s", resp.StatusCode, b)
				}
				var p titlesPage
				if err := json.Unmarshal(b, &p); err != nil {
					t.Fatal(err)
				}
				if len(p.Items) > limit {
					t.Fatalf("page of %d > limit %d", len(p.Items), limit)
				}
				for _, it := range p.Items {
					got = append(got, it.ID)
				}
				if p.Next == nil {
					break
				}
				path = fmt.Sprintf("/v1/titles?limit=%d&cursor=%s", limit, url.QueryEscape(*p.Next))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
	t.Run("item fields", func(t *testing.T) {
		_, b := e.get("/v1/titles?limit=1", tok)
		var p titlesPage
		json.Unmarshal(b, &p)
		it := p.Items[0]
		if it.ID != "t00" || it.Title != "Title t00" || it.Year != 2024 || it.Maturity != "PG" || it.RuntimeS != 60 ||
			it.Synopsis == "" || it.PosterURL != e.url+"/v1/art/a00/poster.jpg" {
			t.Fatalf("%+v", it)
		}
	})
	t.Run("bad queries", func(t *testing.T) {
		for _, q := range []string{"limit=0", "limit=101", "limit=x", "limit=-1", "cursor=!!!", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte(`{"p":1}`)),
			"cursor=" + base64.RawURLEncoding.EncodeToString([]byte(`{"p":1,"i":"x","z":1}`))} {
			if resp, b := e.get("/v1/titles?"+q, tok); resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s", q, resp.StatusCode, b)
			}
		}
	})
	t.Run("detail", func(t *testing.T) {
		cases := []struct {
			id     string
			status int
		}{{"t03", 200}, {"draft", 404}, {"scheduled", 404}, {"nope", 404}}
		for _, c := range cases {
			resp, b := e.get("/v1/titles/"+c.id, tok)
			if resp.StatusCode != c.status {
				t.Errorf("%s: %d %s", c.id, resp.StatusCode, b)
			}
		}
	})
	t.Run("requires a token", func(t *testing.T) {
		if resp, _ := e.get("/v1/titles", ""); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}

func TestPlayback(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	pub := e.clock.Now().Add(-time.Hour)
	e.addTitle("movie", "movie-asset", &pub)
	e.addTitle("draft", "draft-asset", nil)
	var accountID string
	e.db.QueryRow("SELECT id FROM accounts ORDER BY id DESC LIMIT 1").Scan(&accountID)
	setPlan := func(plan string) {
		if _, err := e.db.Exec("UPDATE accounts SET plan = ? WHERE id = ?", plan, accountID); err != nil {
			t.Fatal(err)
		}
	}

	// The JWKS as a verifier sees it.
	_, jb := e.get("/.well-known/jwks.json", "")
	var set struct{ Keys []struct{ Kid, X string } }
	json.Unmarshal(jb, &set)
	keyFunc := func(tk *jwt.Token) (any, error) {
		for _, k := range set.Keys {
			if k.Kid == tk.Header["kid"] {
				x, _ := base64.RawURLEncoding.DecodeString(k.X)
				return ed25519.PublicKey(x), nil
			}
		}
		return nil, fmt.Errorf("unknown kid")
	}

	cases := []struct {
		name, plan, device string
		mh, mbr            int64
		cdc                []string
		hdr                bool
	}{
		{"standard desktop 4k screen", "standard", `{"class":"desktop","max_height":2160,"codecs":["avc1.640028","hev1.1.6.L150.B0","mp4a.40.2"],"hdr":true}`,
			1080, 8_000_000, []string{"avc1", "hvc1", "mp4a"}, false},
		{"premium tv hdr", "premium", `{"class":"tv","max_height":2160,"codecs":["avc1.640028","hvc1.2.4.L153.B0","av01.0.12M.10","ec-3","mp4a.40.2"],"hdr":true}`,
			2160, 25_000_000, []string{"avc1", "hvc1", "av01", "mp4a", "ec-3"}, true},
		{"premium phone capped by class", "premium", `{"class":"phone","max_height":1440,"codecs":["avc1.64001f","mp4a.40.2"],"hdr":false}`,
			720, 5_000_000, []string{"avc1", "mp4a"}, false},
		{"basic desktop capped by plan", "basic", `{"class":"desktop","max_height":1080,"codecs":["avc1.64001f","mp4a.40.2","ec-3"],"hdr":true}`,
			720, 3_000_000, []string{"avc1", "mp4a"}, false},
		{"premium tablet capped by device", "premium", `{"class":"tablet","max_height":480,"codecs":["vp09.00.10.08","avc1.42e01e","opus"],"hdr":false}`,
			480, 10_000_000, []string{"avc1", "vp09"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			setPlan(c.plan)
			resp, b := e.postJSON("/v1/playback", tok, `{"title_id":"movie","device":`+c.device+`}`)
			if resp.StatusCode != 201 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			var s struct {
				SessionID          string    `json:"session_id"`
				ManifestURL        string    `json:"manifest_url"`
				ExpiresAt          time.Time `json:"expires_at"`
				HeartbeatIntervalS int       `json:"heartbeat_interval_s"`
				Token              string    `json:"token"`
			}
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatal(err)
			}
			// Free the stream lease for the next case (basic has one screen).
			defer e.do("DELETE", "/v1/playback/"+s.SessionID, http.Header{"Authorization": {"Bearer " + tok}}, nil)
			if s.ManifestURL != edgeURL+"/t/"+s.Token+"/v1/media/movie-asset/master.m3u8" || s.SessionID == "" ||
				s.HeartbeatIntervalS != 15 || !s.ExpiresAt.Equal(e.clock.Now().Add(45*time.Second)) {
				t.Fatalf("session %+v", s)
			}
			// Header exactly as in CONTRACTS.md.
			hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(s.Token, ".")[0])
			signer, _ := e.srv.Keys().Signer()
			if string(hdr) != `{"alg":"EdDSA","kid":"`+signer.ID+`","typ":"JWT"}` {
				t.Fatalf("header %s", hdr)
			}
			var claims tokens.PlaybackClaims
			p := tokens.NewParser(contract.DefaultIssuer, contract.DefaultAudience, e.clock.Now)
			if _, err := p.ParseWithClaims(s.Token, &claims, keyFunc); err != nil {
				t.Fatalf("verify with the JWKS: %v", err)
			}
			// Exactly the contract's claims, with the contract's types.
			payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(s.Token, ".")[1])
			var raw map[string]any
			json.Unmarshal(payload, &raw)
			var names []string
			for k := range raw {
				names = append(names, k)
			}
			slices.Sort(names)
			if !slices.Equal(names, []string{"aud", "dev", "exp", "iat", "iss", "nbf", "pfx", "sid", "sub"}) {
				t.Fatalf("claims %v", names)
			}
			if _, ok := raw["aud"].(string); !ok {
				t.Fatalf("aud is not a string: %s", payload)
			}
			now := e.clock.Now().Unix()
			if claims.Subject != accountID || claims.SessionID != s.SessionID || claims.Prefix != "/v1/media/movie-asset/" ||
				claims.IssuedAt.Unix() != now || claims.NotBefore.Unix() != now || claims.ExpiresAt.Unix() != now+45 {
				t.Fatalf("claims %s", payload)
			}
			d := claims.Device
			if d.MaxHeight != c.mh || d.MaxBitrate != c.mbr || !slices.Equal(d.Codecs, c.cdc) || d.HDR != c.hdr {
				t.Fatalf("dev %+v, want mh %d mbr %d cdc %v hdr %v", d, c.mh, c.mbr, c.cdc, c.hdr)
			}
		})
	}
	setPlan("standard")
	errCases := []struct {
		name, body string
		status     int
	}{
		{"unpublished title", `{"title_id":"draft","device":{"class":"desktop","max_height":1080,"codecs":["avc1.64001f"],"hdr":false}}`, 404},
		{"unknown title", `{"title_id":"nope","device":{"class":"desktop","max_height":1080,"codecs":["avc1.64001f"],"hdr":false}}`, 404},
		{"bad class", `{"title_id":"movie","device":{"class":"fridge","max_height":1080,"codecs":["avc1.64001f"],"hdr":false}}`, 400},
		{"height zero", `{"title_id":"movie","device":{"class":"tv","max_height":0,"codecs":["avc1.64001f"],"hdr":false}}`, 400},
		{"height too big", `{"title_id":"movie","device":{"class":"tv","max_height":4321,"codecs":["avc1.64001f"],"hdr":false}}`, 400},
		{"codec not a token", `{"title_id":"movie","device":{"class":"tv","max_height":1080,"codecs":["avc1 <script>"],"hdr":false}}`, 400},
		{"no codecs", `{"title_id":"movie","device":{"class":"tv","max_height":1080,"codecs":[],"hdr":false}}`, 400},
		{"only audio codecs", `{"title_id":"movie","device":{"class":"tv","max_height":1080,"codecs":["mp4a.40.2"],"hdr":false}}`, 422},
		{"missing title", `{"device":{"class":"tv","max_height":1080,"codecs":["avc1"],"hdr":false}}`, 400},
		{"unknown field", `{"title_id":"movie","x":1,"device":{"class":"tv","max_height":1080,"codecs":["avc1"],"hdr":false}}`, 400},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			if resp, b := e.postJSON("/v1/playback", tok, c.body); resp.StatusCode != c.status {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
		})
	}
	t.Run("requires a token", func(t *testing.T) {
		resp, _ := e.do("POST", "/v1/playback", http.Header{"Content-Type": {"application/json"}}, strings.NewReader(`{}`))
		if resp.StatusCode != 401 {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}
