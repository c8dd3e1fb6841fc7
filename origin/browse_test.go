package origin_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/playback"
)

const desktop = `{"class":"desktop","max_height":1080,"codecs":["avc1.64001f","mp4a.40.2"]}`

// viewer is a signed-in account with its first profile.
type viewer struct {
	token, account, profile string
}

// newViewer signs up an account on plan and returns it with its first
// profile (made here if the account has none).
func (e *env) newViewer(plan string) viewer {
	e.t.Helper()
	return e.asViewer(e.login(), plan)
}

// asViewer puts the newest account, whose access token is tok, on plan
// and gives it a profile if it has none.
func (e *env) asViewer(tok, plan string) viewer {
	e.t.Helper()
	ctx := context.Background()
	var id int64
	if err := e.db.QueryRowContext(ctx, "SELECT MAX(id) FROM accounts").Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.ExecContext(ctx, "UPDATE accounts SET plan = ? WHERE id = ?", plan, id); err != nil {
		e.t.Fatal(err)
	}
	var pid int64
	err := e.db.QueryRowContext(ctx, "SELECT id FROM profiles WHERE account_id = ? ORDER BY id LIMIT 1", id).Scan(&pid)
	if errors.Is(err, sql.ErrNoRows) {
		res, ierr := e.db.ExecContext(ctx, "INSERT INTO profiles (account_id, name) VALUES (?, 'Main')", id)
		if ierr != nil {
			e.t.Fatal(ierr)
		}
		pid, _ = res.LastInsertId()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return viewer{token: tok, account: strconv.FormatInt(id, 10), profile: strconv.FormatInt(pid, 10)}
}

func (e *env) kidsProfile(v viewer) string {
	e.t.Helper()
	res, err := e.db.ExecContext(context.Background(), "INSERT INTO profiles (account_id, name, kids, maturity_level) VALUES (?, 'Kids', 1, 1)", v.account)
	if err != nil {
		e.t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return strconv.FormatInt(id, 10)
}

func (e *env) call(method, path, token, body string, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + token}}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return e.do(method, path, h, strings.NewReader(body))
}

// publishMovie adds a published movie with maturity level.
func (e *env) publishMovie(id string, level int) {
	e.t.Helper()
	at := e.clock.Now().Add(-time.Hour)
	e.addTitle(id, "a-"+id, &at)
	if _, err := e.db.Exec("UPDATE titles SET maturity_level = ?, runtime_s = 1000 WHERE id = ?", level, id); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) start(v viewer, title string) (int, map[string]any) {
	e.t.Helper()
	return e.startOn(v, title, "")
}

// desktopWithID is the desktop device report with an app-reported device
// id ("" for none).
func desktopWithID(id string) string {
	if id == "" {
		return desktop
	}
	return `{"id":"` + id + `",` + desktop[1:]
}

// startOn starts playback reporting device id appID (see desktopWithID).
func (e *env) startOn(v viewer, title, appID string) (int, map[string]any) {
	e.t.Helper()
	resp, b := e.postJSON("/v1/playback", v.token, `{"title_id":"`+title+`","device":`+desktopWithID(appID)+`}`)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatalf("%d %s", resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

func TestLeasesUnderConcurrentStarts(t *testing.T) {
	e := newEnv(t)
	e.publishMovie("film", 1)
	for _, plan := range []string{"basic", "standard", "premium"} {
		t.Run(plan, func(t *testing.T) {
			v := e.newViewer(plan)
			const n = 12
			var wg sync.WaitGroup
			codes := make(chan int, n)
			var conflict []byte
			var mu sync.Mutex
			for i := range n {
				wg.Go(func() {
					// n app instances (distinct device ids): no takeover.
					resp, b := e.postJSON("/v1/playback", v.token, `{"title_id":"film","device":`+desktopWithID(fmt.Sprint("app-", i))+`}`)
					codes <- resp.StatusCode
					if resp.StatusCode == 409 {
						mu.Lock()
						conflict = b
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			close(codes)
			got := map[int]int{}
			for c := range codes {
				got[c]++
			}
			screens := playback.PlanOf(plan).Screens
			if got[201] != screens || got[409] != n-screens {
				t.Fatalf("statuses %v, want %d × 201", got, screens)
			}
			var p struct {
				Type    string
				Streams []playback.StreamInfo
			}
			if err := json.Unmarshal(conflict, &p); err != nil || !strings.HasSuffix(p.Type, "too-many-streams") || len(p.Streams) != screens || p.Streams[0].TitleID != "film" {
				t.Fatalf("409 body %s", conflict)
			}
		})
	}
}

// TestSameDeviceReloadTakesOver: on a one-screen plan, starting again from
// the same device (a page reload) replaces its stream at once instead of
// answering 409 until the old lease expires; another app instance still
// gets 409.
func TestSameDeviceReloadTakesOver(t *testing.T) {
	e := newEnv(t)
	e.publishMovie("film", 1)
	for _, appID := range []string{"", "tab-1"} {
		t.Run("app id "+appID, func(t *testing.T) {
			v := e.newViewer("basic")
			st, first := e.startOn(v, "film", appID)
			if st != 201 {
				t.Fatalf("start %d %v", st, first)
			}
			st, second := e.startOn(v, "film", appID)
			if st != 201 {
				t.Fatalf("reload on the same device: %d %v", st, second)
			}
			resp, _ := e.postJSON("/v1/playback/"+first["session_id"].(string)+"/heartbeat", v.token, `{"position_s":5}`)
			if resp.StatusCode != 409 {
				t.Fatalf("heartbeat of the replaced session: %d", resp.StatusCode)
			}
			resp, _ = e.postJSON("/v1/playback/"+second["session_id"].(string)+"/heartbeat", v.token, `{"position_s":5}`)
			if resp.StatusCode != 200 {
				t.Fatalf("heartbeat of the new session: %d", resp.StatusCode)
			}
			if st, _ := e.startOn(v, "film", "another-app"); st != 409 {
				t.Fatalf("another app instance on a 1-screen plan: %d", st)
			}
		})
	}
}

func TestLeaseLifecycle(t *testing.T) {
	e := newEnv(t)
	e.publishMovie("film", 1)
	v := e.newViewer("basic")
	st, first := e.start(v, "film")
	if st != 201 {
		t.Fatalf("start %d %v", st, first)
	}
	sid := first["session_id"].(string)
	if st, _ := e.startOn(v, "film", "other-app"); st != 409 {
		t.Fatalf("second stream on basic: %d", st)
	}
	beat := func(sid string, pos int) int {
		resp, _ := e.postJSON("/v1/playback/"+sid+"/heartbeat", v.token, fmt.Sprintf(`{"position_s":%d}`, pos))
		return resp.StatusCode
	}
	// Heartbeats within the lease keep it, past lease expiry.
	for i := range 4 {
		e.clock.Add(playback.HeartbeatInterval)
		if st := beat(sid, 30*(i+1)); st != 200 {
			t.Fatalf("heartbeat %d: %d", i, st)
		}
	}
	var pos int
	if err := e.db.QueryRow("SELECT position_s FROM watch_progress WHERE profile_id = ? AND title_id = 'film'", v.profile).Scan(&pos); err != nil || pos != 120 {
		t.Fatalf("progress %d %v", pos, err)
	}
	// Another account's token cannot touch the session.
	other := e.newViewer("basic")
	if resp, _ := e.postJSON("/v1/playback/"+sid+"/heartbeat", other.token, `{"position_s":1}`); resp.StatusCode != 409 {
		t.Fatalf("foreign heartbeat %d", resp.StatusCode)
	}
	// Two missed heartbeats free the lease.
	e.clock.Add(2*playback.HeartbeatInterval + playback.LeaseSlack + time.Second)
	st, second := e.start(v, "film")
	if st != 201 {
		t.Fatalf("start after expiry %d %v", st, second)
	}
	if st := beat(sid, 130); st != 409 {
		t.Fatalf("heartbeat of an expired lease: %d", st)
	}
	// Stop frees the lease at once and records the position.
	sid2 := second["session_id"].(string)
	if resp, b := e.call("DELETE", "/v1/playback/"+sid2, v.token, `{"position_s":500}`); resp.StatusCode != 204 {
		t.Fatalf("stop %d %s", resp.StatusCode, b)
	}
	if st := beat(sid2, 501); st != 409 {
		t.Fatalf("heartbeat after stop: %d", st)
	}
	st, third := e.start(v, "film")
	if st != 201 || third["resume_s"].(float64) != 500 {
		t.Fatalf("start after stop %d %v", st, third)
	}
	// Continue watching shows it until 90 % is watched.
	inCW := func() bool {
		resp, b := e.get("/v1/browse/home", v.token)
		if resp.StatusCode != 200 {
			t.Fatalf("home %d %s", resp.StatusCode, b)
		}
		return strings.Contains(string(b), `"continue-watching"`)
	}
	if !inCW() {
		t.Fatal("no continue watching row")
	}
	if st := beat(third["session_id"].(string), 950); st != 200 {
		t.Fatal(st)
	}
	if inCW() {
		t.Fatal("watched title still in continue watching")
	}
}

func TestStopDevice(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	streams := playback.NewStreams(rdb, prefix, playback.HeartbeatInterval, nil)
	ctx := context.Background()
	for i, dev := range []string{"d1", "d1", "d2"} {
		if err := streams.Acquire(ctx, fmt.Sprint("s", i), playback.SessionInfo{AccountID: "7", DeviceID: dev, DeviceClass: "tv", TitleID: "x"}, 4); err != nil {
			t.Fatal(err)
		}
	}
	if err := streams.StopDevice(ctx, "7", "d1"); err != nil {
		t.Fatal(err)
	}
	got, err := streams.Active(ctx, "7")
	if err != nil || len(got) != 1 || got[0].DeviceID != "d2" {
		t.Fatalf("active after stop %+v %v", got, err)
	}
	if err := streams.Renew(ctx, "7", "s0"); !errors.Is(err, playback.ErrSessionGone) {
		t.Fatalf("renew of a stopped device's stream: %v", err)
	}
}

func TestBrowseHTTP(t *testing.T) {
	e := newEnv(t)
	e.publishMovie("family", 0)
	e.publishMovie("grown", 3)
	v := e.newViewer("standard")
	kids := e.kidsProfile(v)
	cases := []struct {
		name, method, path, body string
		status                   int
		contains, absent         string
	}{
		{"home", "GET", "/v1/browse/home", "", 200, `"grown"`, ""},
		{"home kids", "GET", "/v1/browse/home?profile_id=" + kids, "", 200, `"family"`, `"grown"`},
		{"detail", "GET", "/v1/titles/grown", "", 200, `"in_my_list":false`, ""},
		{"detail above ceiling", "GET", "/v1/titles/grown?profile_id=" + kids, "", 404, "", ""},
		{"someone else's profile", "GET", "/v1/browse/home?profile_id=999999", "", 404, `profile-not-found","title":"Not Found","status":404,"detail":"no such profile on this account"`, ""},
		{"search", "GET", "/v1/search?q=titl", "", 200, `"family"`, ""},
		{"search kids", "GET", "/v1/search?q=title&profile_id=" + kids, "", 200, `"family"`, `"grown"`},
		{"empty search", "GET", "/v1/search?q=%20", "", 400, "", ""},
		{"add to list", "PUT", "/v1/my-list/grown", "", 204, "", ""},
		{"add missing", "PUT", "/v1/my-list/nope", "", 404, "", ""},
		{"list", "GET", "/v1/my-list", "", 200, `"grown"`, ""},
		{"in list", "GET", "/v1/titles/grown", "", 200, `"in_my_list":true`, ""},
		{"reorder bad", "PUT", "/v1/my-list", `{"title_ids":["family"]}`, 422, "", ""},
		{"remove", "DELETE", "/v1/my-list/grown", "", 204, "", ""},
		{"list empty", "GET", "/v1/my-list", "", 200, `"items":[]`, ""},
		{"kids cannot play grown", "POST", "/v1/playback", `{"title_id":"grown","profile_id":"` + kids + `","device":` + desktop + `}`, 403, "", ""},
		{"operator only", "POST", "/v1/operator/titles", `{"id":"new","name":"New","year":2025,"maturity":"G","runtime_s":10}`, 403, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := e.call(c.method, c.path, v.token, c.body)
			if resp.StatusCode != c.status || !strings.Contains(string(b), c.contains) || (c.absent != "" && strings.Contains(string(b), c.absent)) {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
		})
	}
	t.Run("etag", func(t *testing.T) {
		resp, _ := e.call("GET", "/v1/browse/home", v.token, "")
		tag := resp.Header.Get("ETag")
		if tag == "" {
			t.Fatal("no ETag")
		}
		if resp, b := e.call("GET", "/v1/browse/home", v.token, "", "If-None-Match", tag); resp.StatusCode != 304 || len(b) != 0 {
			t.Fatalf("revalidation %d %q", resp.StatusCode, b)
		}
	})
	t.Run("operator writes invalidate", func(t *testing.T) {
		if _, err := e.db.Exec("UPDATE accounts SET role = 'operator' WHERE id = ?", v.account); err != nil {
			t.Fatal(err)
		}
		_, before := e.call("GET", "/v1/titles/family", v.token, "")
		steps := []struct {
			method, path, body string
			status             int
		}{
			{"POST", "/v1/operator/titles", `{"id":"fresh","name":"Fresh Title","year":2025,"maturity":"G","runtime_s":10,"genres":["kids"]}`, 201},
			{"PUT", "/v1/operator/titles/fresh/asset", `{"asset_id":"a-family"}`, 204},
			{"POST", "/v1/operator/titles/fresh/publish", "", 204},
			{"PATCH", "/v1/operator/titles/family", `{"name":"Family Renamed"}`, 204},
			{"PATCH", "/v1/operator/titles/missing", `{"name":"X"}`, 404},
		}
		for _, s := range steps {
			if resp, b := e.call(s.method, s.path, v.token, s.body); resp.StatusCode != s.status {
				t.Fatalf("%s %s: %d %s", s.method, s.path, resp.StatusCode, b)
			}
		}
		_, after := e.call("GET", "/v1/titles/family", v.token, "")
		if !strings.Contains(string(before), "Title family") || !strings.Contains(string(after), "Family Renamed") {
			t.Fatalf("before %s after %s", before, after)
		}
		if _, b := e.call("GET", "/v1/browse/home", v.token, ""); !strings.Contains(string(b), `"genre-kids"`) || !strings.Contains(string(b), `"fresh"`) {
			t.Fatalf("home after operator writes %s", b)
		}
	})
}
