package origin_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/qoe"
)

// qoeRows counts the stored QoE rows of session sid.
func (e *env) qoeRows(sid string) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow("SELECT COUNT(*) FROM qoe_sessions WHERE session_id = ?", sid).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// startSession starts playback of title for v and returns the session id.
func (e *env) startSession(v viewer, title string) string {
	e.t.Helper()
	st, m := e.start(v, title)
	if st != 201 {
		e.t.Fatalf("start: %d %v", st, m)
	}
	return m["session_id"].(string)
}

func (e *env) makeOperator(v viewer) {
	e.t.Helper()
	if _, err := e.db.Exec("UPDATE accounts SET role = 'operator' WHERE id = ?", v.account); err != nil {
		e.t.Fatal(err)
	}
}

// TestQoEReportValidation: every bad report is refused with 400 and
// stores nothing.
func TestQoEReportValidation(t *testing.T) {
	e := newEnv(t)
	e.publishMovie("qv", 1)
	v := e.newViewer("premium")
	sid := e.startSession(v, "qv")
	for _, tc := range []struct{ name, body string }{
		{"not json", `{`},
		{"unknown field", `{"seq":1,"startup_ms":100,"bogus":1}`},
		{"trailing data", `{"seq":1} {}`},
		{"seq zero", `{"seq":0}`},
		{"seq too big", `{"seq":1000001}`},
		{"negative startup", `{"seq":1,"startup_ms":-1}`},
		{"startup too slow", `{"seq":1,"startup_ms":600001}`},
		{"started and ebvs", `{"seq":1,"final":true,"startup_ms":100,"exit_before_start":true}`},
		{"started and vsf", `{"seq":1,"startup_ms":100,"start_failed":true,"errors":1}`},
		{"ebvs and vsf", `{"seq":1,"final":true,"exit_before_start":true,"start_failed":true,"errors":1}`},
		{"ebvs before the end", `{"seq":1,"exit_before_start":true}`},
		{"vsf without error", `{"seq":1,"start_failed":true}`},
		{"watch without start", `{"seq":1,"watch_ms":1000}`},
		{"negative watch", `{"seq":1,"startup_ms":100,"watch_ms":-1}`},
		{"watch over a day", `{"seq":1,"startup_ms":100,"watch_ms":86400001}`},
		{"rebuffer time without count", `{"seq":1,"startup_ms":100,"rebuffer_ms":500}`},
		{"rebuffer count without time", `{"seq":1,"startup_ms":100,"rebuffer_count":1}`},
		{"negative bitrate", `{"seq":1,"startup_ms":100,"avg_bitrate_kbps":-5}`},
		{"bitrate absurd", `{"seq":1,"startup_ms":100,"avg_bitrate_kbps":200001}`},
		{"negative switches", `{"seq":1,"startup_ms":100,"switches":-1}`},
		{"negative dropped", `{"seq":1,"startup_ms":100,"dropped_frames":-1}`},
		{"last error without errors", `{"seq":1,"last_error":"boom"}`},
		{"control char in error", `{"seq":1,"errors":1,"last_error":"a\u0001b"}`},
		{"long error", `{"seq":1,"errors":1,"last_error":"` + strings.Repeat("e", 201) + `"}`},
		{"bad fn version", `{"seq":1,"fn_version":"v1; DROP TABLE"}`},
		{"long fn version", `{"seq":1,"fn_version":"` + strings.Repeat("v", 65) + `"}`},
		{"wrong type", `{"seq":"1"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.postJSON("/v1/playback/"+sid+"/qoe", v.token, tc.body)
			if resp.StatusCode != 400 {
				t.Fatalf("status %d %s, want 400", resp.StatusCode, b)
			}
			if n := e.qoeRows(sid); n != 0 {
				t.Fatalf("%d rows stored for a bad report", n)
			}
		})
	}
	resp, _ := e.do("POST", "/v1/playback/"+sid+"/qoe", http.Header{"Authorization": {"Bearer " + v.token}, "Content-Type": {"text/plain"}},
		strings.NewReader(`{"seq":1}`))
	if resp.StatusCode != 415 || e.qoeRows(sid) != 0 {
		t.Fatalf("text/plain: %d", resp.StatusCode)
	}
}

// TestQoEReportsAndOperatorSummary: reports of the caller's own session
// land in MySQL (newest seq wins, a final report after the lease ended is
// kept); another account's or an unknown session is 404; the operator
// summary groups them by function version and device class.
func TestQoEReportsAndOperatorSummary(t *testing.T) {
	e := newEnv(t)
	e.publishMovie("qa", 1)
	v := e.newViewer("premium")
	other := e.newViewer("premium")
	op := e.newViewer("premium")
	e.makeOperator(op)
	url := func(sid string) string { return "/v1/playback/" + sid + "/qoe" }

	s1 := e.startSession(v, "qa")
	for _, step := range []struct {
		name, token, sid, body string
		want                   int
	}{
		{"no token", "", s1, `{"seq":1,"startup_ms":900}`, 401},
		{"unknown session", v.token, "nosuchsession", `{"seq":1,"startup_ms":900}`, 404},
		{"another account's session", other.token, s1, `{"seq":1,"startup_ms":900}`, 404},
		{"first report", v.token, s1, `{"seq":1,"startup_ms":900,"fn_version":"v7","watch_ms":10000,"avg_bitrate_kbps":3000}`, 204},
		{"newer report", v.token, s1, `{"seq":2,"startup_ms":900,"fn_version":"v7","watch_ms":20000,"rebuffer_count":1,"rebuffer_ms":1000,"avg_bitrate_kbps":2000,"switches":2,"dropped_frames":4}`, 204},
		{"retry of an older one is ignored", v.token, s1, `{"seq":1,"startup_ms":900,"fn_version":"v7","watch_ms":10000,"avg_bitrate_kbps":3000}`, 204},
		{"another account, once stored", other.token, s1, `{"seq":3,"startup_ms":1,"fn_version":"v7"}`, 404},
	} {
		resp, b := e.postJSON(url(step.sid), step.token, step.body)
		if resp.StatusCode != step.want {
			t.Fatalf("%s: %d %s, want %d", step.name, resp.StatusCode, b, step.want)
		}
	}
	// The lease ends; the final report still lands.
	if resp, b := e.call("DELETE", "/v1/playback/"+s1, v.token, ""); resp.StatusCode != 204 {
		t.Fatalf("stop: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.postJSON(url(s1), v.token, `{"seq":3,"final":true,"startup_ms":900,"fn_version":"v7","watch_ms":30000,"rebuffer_count":1,"rebuffer_ms":1000,"avg_bitrate_kbps":2000,"switches":2,"dropped_frames":4,"errors":1,"last_error":"decode"}`); resp.StatusCode != 204 {
		t.Fatalf("final report: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.postJSON(url(s1), v.token, `{"seq":4,"startup_ms":1}`); resp.StatusCode != 204 {
		t.Fatalf("report after final: %d", resp.StatusCode)
	}
	var watch, rebufMS int64
	var startup, seq int
	var class, fn, title, lastErr string
	var final bool
	if err := e.db.QueryRow(`SELECT device_class, fn_version, title_id, startup_ms, watch_ms, rebuffer_ms, seq, final, last_error
		FROM qoe_sessions WHERE session_id = ?`, s1).Scan(&class, &fn, &title, &startup, &watch, &rebufMS, &seq, &final, &lastErr); err != nil {
		t.Fatal(err)
	}
	if class != "desktop" || fn != "v7" || title != "qa" || startup != 900 || watch != 30000 || rebufMS != 1000 || seq != 3 || !final || lastErr != "decode" {
		t.Fatalf("stored %s %s %s startup %d watch %d rebuffer %d seq %d final %v err %q", class, fn, title, startup, watch, rebufMS, seq, final, lastErr)
	}

	// Two more sessions: an exit before start (edge did not name its
	// version) and a start failure.
	if resp, _ := e.call("DELETE", "/v1/playback/"+s1, v.token, ""); resp.StatusCode != 204 && resp.StatusCode != 409 {
		t.Fatalf("stop again: %d", resp.StatusCode)
	}
	s2 := e.startSession(v, "qa")
	if resp, b := e.postJSON(url(s2), v.token, `{"seq":1,"final":true,"exit_before_start":true}`); resp.StatusCode != 204 {
		t.Fatalf("ebvs: %d %s", resp.StatusCode, b)
	}
	e.call("DELETE", "/v1/playback/"+s2, v.token, "")
	s3 := e.startSession(v, "qa")
	if resp, b := e.postJSON(url(s3), v.token, `{"seq":1,"final":true,"fn_version":"v7","start_failed":true,"errors":1,"last_error":"manifest 403"}`); resp.StatusCode != 204 {
		t.Fatalf("vsf: %d %s", resp.StatusCode, b)
	}

	if resp, _ := e.get("/v1/operator/qoe", v.token); resp.StatusCode != 403 {
		t.Fatalf("viewer read the operator summary: %d", resp.StatusCode)
	}
	for _, bad := range []string{"yesterday", "-1h", "2400h", "2999-01-01T00:00:00Z"} {
		if resp, _ := e.get("/v1/operator/qoe?since="+bad, op.token); resp.StatusCode != 400 {
			t.Errorf("since=%s: %d, want 400", bad, resp.StatusCode)
		}
	}
	resp, b := e.get("/v1/operator/qoe?since=1h", op.token)
	if resp.StatusCode != 200 {
		t.Fatalf("summary: %d %s", resp.StatusCode, b)
	}
	var sum qoe.SummaryResponse
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	want := []qoe.Group{
		{FnVersion: "", DeviceClass: "desktop", Sessions: 1, EBVSRate: 1},
		{FnVersion: "v7", DeviceClass: "desktop", Sessions: 2, Started: 1, StartupP50MS: 900, StartupP95MS: 900,
			RebufferRatio: 0.0323, RebuffersPerHour: 120, AvgBitrateKbps: 2000, VSFRate: 0.5, Errors: 2, ErrorSessionRate: 1, WatchHours: 0.0083},
	}
	if len(sum.Groups) != len(want) {
		t.Fatalf("groups %+v, want %+v", sum.Groups, want)
	}
	for i := range want {
		if sum.Groups[i] != want[i] {
			t.Errorf("group %d:\n got %+v\nwant %+v", i, sum.Groups[i], want[i])
		}
	}
}

// scrape fetches the origin's metrics and parses them with the Prometheus
// text parser.
func scrape(t *testing.T, srv *origin.Server) map[string]*dto.MetricFamily {
	t.Helper()
	return testenv.Scrape(t, srv.Metrics())
}

// TestMetricsScrape: requests are counted by route pattern, never raw path;
// pools, leases and QoE reports are exported; /metrics is not served on
// the public port.
func TestMetricsScrape(t *testing.T) {
	e := newEnv(t)
	e.publishMovie("qm", 1)
	v := e.newViewer("premium")
	sid := e.startSession(v, "qm")
	e.get("/v1/titles/qm", v.token)
	e.get("/v1/titles/does-not-exist-"+sid, v.token)
	e.postJSON("/v1/playback/"+sid+"/qoe", v.token, `{"seq":1,"startup_ms":500}`)
	e.postJSON("/v1/playback/"+sid+"/qoe", v.token, `{"seq":0}`)
	e.get("/some/random/"+sid, "")
	if resp, _ := e.get("/metrics", ""); resp.StatusCode != 404 {
		t.Fatalf("/metrics on the public port: %d", resp.StatusCode)
	}

	fams := scrape(t, e.srv)
	for _, name := range []string{
		"edgeflix_origin_http_requests_total", "edgeflix_origin_http_request_duration_seconds",
		"go_sql_open_connections", "go_sql_wait_count_total",
		"edgeflix_redis_pool_connections", "edgeflix_redis_pool_hits_total",
		"edgeflix_origin_active_leases", "edgeflix_origin_qoe_reports_total",
	} {
		if fams[name] == nil {
			t.Errorf("metric %s missing", name)
		}
	}
	routes := map[string]bool{}
	for _, m := range fams["edgeflix_origin_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" {
				routes[l.GetValue()] = true
				if strings.Contains(l.GetValue(), sid) || strings.Contains(l.GetValue(), "qm") {
					t.Errorf("raw path in route label %q", l.GetValue())
				}
			}
		}
	}
	for _, r := range []string{"/v1/playback", "/v1/titles/{id}", "/v1/playback/{sid}/qoe", "unmatched", "/oauth/token"} {
		if !routes[r] {
			t.Errorf("route %s not counted; routes %v", r, routes)
		}
	}
	if got := gauge(fams["edgeflix_origin_active_leases"]); got != 1 {
		t.Errorf("active leases %v, want 1", got)
	}
	if resp, b := e.call("DELETE", "/v1/playback/"+sid, v.token, ""); resp.StatusCode != 204 {
		t.Fatalf("stop: %d %s", resp.StatusCode, b)
	}
	if got := gauge(scrape(t, e.srv)["edgeflix_origin_active_leases"]); got != 0 {
		t.Errorf("active leases after the stop %v, want 0", got)
	}
	qoeByOutcome := map[string]float64{}
	for _, m := range fams["edgeflix_origin_qoe_reports_total"].GetMetric() {
		qoeByOutcome[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
	}
	if qoeByOutcome["ok"] != 1 || qoeByOutcome["invalid"] != 1 {
		t.Errorf("qoe reports %v, want ok 1, invalid 1", qoeByOutcome)
	}
}

func gauge(f *dto.MetricFamily) float64 {
	if f == nil || len(f.GetMetric()) != 1 {
		return -2
	}
	return f.GetMetric()[0].GetGauge().GetValue()
}

// TestLogsHoldNoSecrets drives sign-in (with a wrong password first),
// token refresh, playback, QoE and gated media fetches (with and without
// the edge secret) at debug level, and checks that no access token,
// refresh token, playback token, password, edge secret or key material
// appears in any log line.
func TestLogsHoldNoSecrets(t *testing.T) {
	var logs testenv.Buffer
	const edgeSecret = "edge-secret-4b1d0c7e9a"
	var kek []byte
	e := newEnvWith(t, func(c *origin.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.EdgeSecret = edgeSecret
		kek = c.KeyEncryptionKey
	})
	e.publishMovie("qs", 1)
	e.putObject("media/a-qs/master.m3u8", "application/octet-stream", []byte("#EXTM3U\n"))
	const password = "correct horse battery"
	email := "secrets@example.com"
	e.createAccount(email, password)
	form := url.Values{
		"response_type": {"code"}, "client_id": {"edgeflix-web"}, "redirect_uri": {e.url + "/app/callback"},
		"code_challenge": {"x"}, "code_challenge_method": {"S256"}, "state": {"st"},
		"email": {email}, "password": {password + "-wrong"},
	}
	e.postForm("/oauth/authorize", form)
	verifier, challenge := pkce()
	code := e.authorize(email, password, challenge)
	_, tr := e.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"edgeflix-web"},
		"redirect_uri": {e.url + "/app/callback"}, "code_verifier": {verifier}})
	_, tr2 := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}, "client_id": {"edgeflix-web"}})
	e.get("/v1/titles", tr.AccessToken+"x")
	resp, b := e.postJSON("/v1/playback", tr2.AccessToken, `{"title_id":"qs","device":`+desktop+`}`)
	var sess struct {
		SessionID string `json:"session_id"`
		Token     string `json:"token"`
	}
	if err := json.Unmarshal(b, &sess); err != nil || sess.Token == "" {
		t.Fatalf("playback: %d %s", resp.StatusCode, b)
	}
	e.postJSON("/v1/playback/"+sess.SessionID+"/qoe", tr2.AccessToken, `{"seq":1,"startup_ms":100}`)
	e.postJSON("/v1/playback/"+sess.SessionID+"/qoe", tr2.AccessToken, `{"seq":1,"errors":1,"last_error":"`+sess.Token[:20]+`"`)
	for _, secret := range []string{edgeSecret, "wrong-" + edgeSecret} {
		e.do("GET", "/v1/media/a-qs/master.m3u8", http.Header{contract.OriginVerifyHeader: {secret}, "X-Edgeflix-Caps": {"cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0"}}, nil)
	}
	e.do("GET", "/t/"+sess.Token+"/v1/media/a-qs/master.m3u8", nil, nil)
	e.do("GET", "/v1/media/a-qs/master.m3u8?token="+sess.Token, nil, nil)
	e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}, "client_id": {"edgeflix-web"}}) // reuse: family revoked

	all := logs.String()
	if all == "" {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
	for name, secret := range map[string]string{
		"access token": tr.AccessToken, "refreshed access token": tr2.AccessToken, "refresh token": tr.RefreshToken,
		"rotated refresh token": tr2.RefreshToken, "playback token": sess.Token, "playback token signature": sess.Token[strings.LastIndexByte(sess.Token, '.')+1:],
		"password": password, "edge secret": edgeSecret, "authorization code": code, "pkce verifier": verifier,
		"kek hex": hex.EncodeToString(kek), "kek base64": base64.StdEncoding.EncodeToString(kek),
	} {
		if secret != "" && strings.Contains(all, secret) {
			t.Errorf("the %s appears in the logs", name)
		}
	}
	var keyMaterial int
	if err := e.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM signing_keys").Scan(&keyMaterial); err != nil || keyMaterial == 0 {
		t.Fatalf("no signing keys: %v", err)
	}
	rows, err := e.db.Query("SELECT private_key FROM signing_keys")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var sealed []byte
		if err := rows.Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		for _, enc := range []string{hex.EncodeToString(sealed), base64.StdEncoding.EncodeToString(sealed), base64.RawURLEncoding.EncodeToString(sealed)} {
			if strings.Contains(all, enc) {
				t.Error("sealed key material appears in the logs")
			}
		}
	}
}
