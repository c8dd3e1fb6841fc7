package origin_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/playback"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

// revocationBound is how long after a session loses its lease the edge
// may still serve its playback tokens: the token lifetime plus the gate's
// leeway (docs/CONTRACTS.md).
const revocationBound = tokens.PlaybackTokenLifetime + contract.DefaultLeewaySeconds*time.Second

// edgeStatus fetches path from the edge at edgeBase and returns the status.
func (e *env) edgeStatus(edgeBase, path string) int {
	e.t.Helper()
	resp, err := e.http.Get(edgeBase + path)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// mediaPath is the edge path of file under a renewal's manifest base.
func mediaPath(t *testing.T, r playback.Renewal, file string) string {
	t.Helper()
	u, err := url.Parse(r.ManifestURL)
	if err != nil || !strings.HasSuffix(u.Path, "/master.m3u8") {
		t.Fatalf("manifest url %q", r.ManifestURL)
	}
	return strings.TrimSuffix(u.Path, "master.m3u8") + file
}

// heartbeat posts a heartbeat and decodes a 200 answer.
func (e *env) heartbeat(access, sid string, pos int) (int, playback.Renewal) {
	e.t.Helper()
	resp, b := e.postJSON("/v1/playback/"+sid+"/heartbeat", access, fmt.Sprintf(`{"position_s":%d}`, pos))
	var r playback.Renewal
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &r); err != nil {
			e.t.Fatalf("heartbeat answer %s: %v", b, err)
		}
	} else if strings.Contains(string(b), `"token"`) {
		e.t.Fatalf("a refused heartbeat carries a token: %s", b)
	}
	return resp.StatusCode, r
}

// deviceOf returns the did claim of an access token.
func deviceOf(t *testing.T, access string) string {
	t.Helper()
	var did string
	if err := json.Unmarshal([]byte(claimOf(t, access, "did")), &did); err != nil || did == "" {
		t.Fatalf("no did in the access token: %v", err)
	}
	return did
}

// claimOf returns claim name of a JWT's payload as raw JSON.
func claimOf(t *testing.T, token, name string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]json.RawMessage
	if err := json.Unmarshal(b, &c); err != nil || c[name] == nil {
		t.Fatalf("no %s in %s: %v", name, b, err)
	}
	return string(c[name])
}

// TestRevocationReachesEdge: every way a session loses its stream lease
// (stop, replaced by the same device, device sign-out, revoked refresh
// family) ends its heartbeat renewals, and a client that ignores the
// refusal and goes on fetching with its newest playback token is refused
// by the real edge (the Wasm gate under wazero, same injected clock)
// within revocationBound. A session that keeps its lease is served
// throughout, across several renewals, and a token just replaced by a
// renewal still serves the segment in flight.
func TestRevocationReachesEdge(t *testing.T) {
	e := newEnv(t)
	edgeBase, _ := startEdge(t, e)
	e.publishMovie("film", 1)
	e.putObject("media/a-film/master.m3u8", "application/vnd.apple.mpegurl",
		[]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\"\n720p/index.m3u8\n"))
	e.putObject("media/a-film/720p/seg_00001.m4s", "video/iso.segment", []byte("segment bytes"))

	revocations := []struct {
		name string
		// revoke ends session sid of s the way a viewer or the account
		// would; nil keeps it.
		revoke func(t *testing.T, s session, v viewer, sid string)
	}{
		{"stop", func(t *testing.T, _ session, v viewer, sid string) {
			if resp, b := e.call("DELETE", "/v1/playback/"+sid, v.token, ""); resp.StatusCode != 204 {
				t.Fatalf("stop %d %s", resp.StatusCode, b)
			}
		}},
		{"replaced by a new stream on the device", func(t *testing.T, _ session, v viewer, _ string) {
			if st, m := e.startOn(v, "film", "tab-1"); st != 201 {
				t.Fatalf("takeover %d %v", st, m)
			}
		}},
		{"device signed out", func(t *testing.T, s session, v viewer, _ string) {
			if resp, b := e.call("DELETE", "/v1/devices/"+deviceOf(t, s.access), v.token, ""); resp.StatusCode != 204 {
				t.Fatalf("sign out device %d %s", resp.StatusCode, b)
			}
		}},
		{"refresh family revoked", func(t *testing.T, s session, _ viewer, _ string) {
			if resp, b := e.postForm("/oauth/revoke", url.Values{"token": {s.refresh}, "client_id": {"edgeflix-web"}}); resp.StatusCode != 200 {
				t.Fatalf("revoke %d %s", resp.StatusCode, b)
			}
		}},
		{"never (the lease is kept)", nil},
	}
	const step = 5 * time.Second
	for _, rc := range revocations {
		t.Run(rc.name, func(t *testing.T) {
			s := e.signIn(randomEmail(), true, nil)
			v := e.asViewer(s.access, "basic")
			st, m := e.startOn(v, "film", "tab-1")
			if st != 201 {
				t.Fatalf("start %d %v", st, m)
			}
			sid := m["session_id"].(string)
			cur := playback.Renewal{SessionID: sid, ManifestURL: m["manifest_url"].(string)}
			if got := e.edgeStatus(edgeBase, mediaPath(t, cur, "master.m3u8")); got != 200 {
				t.Fatalf("master with the first token: %d", got)
			}
			// Play across four renewals, fetching every step.
			sinceBeat := time.Duration(0)
			for range 4 * playback.HeartbeatInterval / step {
				e.clock.Add(step)
				sinceBeat += step
				if got := e.edgeStatus(edgeBase, mediaPath(t, cur, "720p/seg_00001.m4s")); got != 200 {
					t.Fatalf("segment at +%v since the last renewal: %d", sinceBeat, got)
				}
				if sinceBeat < playback.HeartbeatInterval {
					continue
				}
				st, next := e.heartbeat(v.token, sid, 10)
				if st != 200 || next.Token == "" || next.SessionID != sid || next.Token == cur.Token {
					t.Fatalf("heartbeat %d %+v", st, next)
				}
				if got, want := claimOf(t, next.Token, "dev"), claimOf(t, m["token"].(string), "dev"); got != want {
					t.Fatalf("renewed caps %s, want the session's %s", got, want)
				}
				if got, want := claimOf(t, next.Token, "pfx"), claimOf(t, m["token"].(string), "pfx"); got != want {
					t.Fatalf("renewed prefix %s, want %s", got, want)
				}
				if want := e.clock.Now().Add(tokens.PlaybackTokenLifetime); !next.ExpiresAt.Equal(want) {
					t.Fatalf("renewed token expires %v, want %v", next.ExpiresAt, want)
				}
				// The segment in flight with the replaced token still loads.
				if got := e.edgeStatus(edgeBase, mediaPath(t, cur, "720p/seg_00001.m4s")); got != 200 {
					t.Fatalf("replaced token right after renewal: %d", got)
				}
				cur, sinceBeat = next, 0
			}
			if rc.revoke == nil {
				return
			}
			rc.revoke(t, s, v, sid)
			revoked := e.clock.Now()
			// The client ignores every refusal: it keeps heartbeating and
			// fetching with its newest token.
			for {
				if st, r := e.heartbeat(v.token, sid, 20); st == 200 {
					t.Fatalf("heartbeat after revocation renewed the token: %+v", r)
				}
				if e.edgeStatus(edgeBase, mediaPath(t, cur, "720p/seg_00001.m4s")) != 200 {
					break
				}
				if after := e.clock.Now().Sub(revoked); after >= revocationBound {
					t.Fatalf("the edge still serves the session %v after revocation (bound %v)", after, revocationBound)
				}
				e.clock.Add(step)
			}
			if got := e.edgeStatus(edgeBase, mediaPath(t, cur, "master.m3u8")); got != http.StatusForbidden {
				t.Fatalf("master after revocation: %d", got)
			}
		})
	}
}
