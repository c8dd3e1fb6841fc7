package edge

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/edge/admin"
	"github.com/edgeflix/edgeflix/edge/selftest"
	"github.com/edgeflix/edgeflix/edge/traffic"
	"github.com/edgeflix/edgeflix/edge/versions"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

const adminToken = "test-admin-token-0123456789"

// keyAOrigin publishes keyA's JWKS (kid "a") and answers every other
// path with serve; it closes when the test ends.
func keyAOrigin(t *testing.T, serve http.HandlerFunc) string {
	t.Helper()
	x := base64.RawURLEncoding.EncodeToString(keyA.Public().(ed25519.PublicKey))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/jwks.json" {
			fmt.Fprintf(w, `{"keys":[{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"EdDSA","kid":"a","x":"%s"}]}`, x)
			return
		}
		serve(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// segmentOrigin publishes keyA's JWKS and answers every segment path with
// 1 KB.
func segmentOrigin(t *testing.T) string {
	t.Helper()
	body := strings.Repeat("s", 1024)
	return keyAOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.Header().Set("Content-Type", "video/iso.segment")
		io.WriteString(w, body)
	})
}

func sessionToken(t *testing.T, sid string) string {
	t.Helper()
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": "edgeflix-origin", "aud": "edgeflix-edge", "sub": "acc_1", "sid": sid,
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "pfx": "/v1/media/a/",
		"dev": map[string]any{"cls": "tv", "mh": 2160, "mbr": 16000000, "cdc": []string{"hvc1", "mp4a"}, "hdr": true, "rnd": []string{"720p", "2160p"}},
	})
	tok.Header["kid"] = "a"
	s, err := tok.SignedString(keyA)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// versionedEdge starts an edge over dir with an admin API and returns the
// server, its public URL and an admin client.
func versionedEdge(t *testing.T, origin, dir string) (*Server, string, *admin.Client) {
	t.Helper()
	srv, url := serveEdge(t, Config{
		OriginURL: origin, Module: wasmbuild.Edge(t), CompilationCache: testCache, PoolSize: 2,
		VersionsDir:  dir,
		CanaryPolicy: traffic.Policy{MinRequests: 60, Interval: 100 * time.Millisecond},
	})
	h, err := admin.Handler(srv.Versions(), adminToken, srv.MetricsHandler(), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := httptest.NewServer(h)
	t.Cleanup(a.Close)
	// A self-test compiles a new module: minutes under -race on a busy machine.
	return srv, url, &admin.Client{BaseURL: a.URL, Token: adminToken, HTTP: &http.Client{Timeout: 10 * time.Minute}}
}

// answer is one load request's outcome.
type answer struct {
	session        int
	status         int
	versions       []string
	phase0, phase1 int64 // walk phase when the request started and ended
}

// TestVersionWalkUnderLoad walks upload → self-test → split → activate →
// rollback, a refused broken version and an auto-rolled-back canary,
// under steady segment load, and checks every answer.
func TestVersionWalkUnderLoad(t *testing.T) {
	origin := segmentOrigin(t)
	dir := t.TempDir()
	_, url, ac := versionedEdge(t, origin, dir)
	ctx := context.Background()

	const sessions = 200
	tokens := make([]string, sessions)
	for i := range tokens {
		tokens[i] = sessionToken(t, fmt.Sprintf("ses_%d", i))
	}
	var phase atomic.Int64
	var mu sync.Mutex
	var answers []answer
	stop := make(chan struct{})
	var load sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}
	const workers = 6
	tick := time.NewTicker(time.Second / 300) // ~300 requests/s in all
	defer tick.Stop()
	for w := range workers {
		load.Add(1)
		go func() {
			defer load.Done()
			for n := w; ; n += workers {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				s := (n * 7919) % sessions
				a := answer{session: s, phase0: phase.Load()}
				resp, err := client.Get(fmt.Sprintf("%s/t/%s/v1/media/a/720p/seg_%05d.m4s", url, tokens[s], 2+n%40))
				if err != nil {
					t.Errorf("request: %v", err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				a.status, a.versions, a.phase1 = resp.StatusCode, resp.Header.Values(traffic.VersionHeader), phase.Load()
				mu.Lock()
				answers = append(answers, a)
				mu.Unlock()
			}
		}()
	}
	steady := func() { time.Sleep(1500 * time.Millisecond) }
	// change runs one traffic change as its own phase.
	change := func(what string, f func() error) {
		t.Helper()
		phase.Add(1)
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		phase.Add(1)
	}
	upload := func(module []byte, tag string) int {
		t.Helper()
		u, err := ac.Upload(ctx, admin.UploadRequest{Module: module, Tag: tag})
		if err != nil {
			t.Fatalf("upload %s: %v", tag, err)
		}
		return u.Version.Number
	}

	steady() // phase 0: version 1 (the bootstrap module) at 100 %
	v2 := upload(wasmbuild.Edge(t), "v2-same-code-new-tag")
	if v2 != 1 {
		t.Fatalf("the same module uploaded again became version %d, want 1 (content hash)", v2)
	}
	// A different version: same module, its own audience override that
	// matches the origin's tokens (so it serves them), hence a new hash.
	u2, err := ac.Upload(ctx, admin.UploadRequest{Module: wasmbuild.Edge(t), Config: versions.Config{Audience: "edgeflix-edge", Issuer: "edgeflix-origin"}, Tag: "v2"})
	if err != nil || u2.Version.Number != 2 {
		t.Fatalf("upload v2: %+v %v", u2, err)
	}
	if rep, err := ac.Test(ctx, 2, nil); err != nil || !rep.Passed {
		t.Fatalf("self-test of v2: %+v %v", rep, err)
	}

	// A broken version: the self-test refuses it, naming the case, and
	// activation and split are refused.
	v3 := upload(wasmbuild.EdgeFault(t, "deny_all"), "broken")
	_, err = ac.Test(ctx, v3, nil)
	var ae *admin.APIError
	if !errors.As(err, &ae) || ae.Report == nil || !slices.Contains(ae.Report.Failed, "vr_good_segment") {
		t.Fatalf("self-test of the broken version: %v", err)
	}
	if _, err := ac.Activate(ctx, v3); !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity || !strings.Contains(ae.Msg, "self-test failed") {
		t.Fatalf("activate broken: %v", err)
	}
	if _, err := ac.Split(ctx, v3, 10); !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity {
		t.Fatalf("split broken: %v", err)
	}

	// v2 at 0 %: only the override header reaches it.
	change("split 2@0", func() error { _, err := ac.Split(ctx, 2, 0); return err })
	req, _ := http.NewRequest("GET", url+"/t/"+tokens[0]+"/v1/media/a/720p/seg_00002.m4s", nil)
	req.Header.Set(traffic.OverrideHeader, "2")
	if resp, err := client.Do(req); err != nil || resp.StatusCode != 200 || resp.Header.Get(traffic.VersionHeader) != "2" {
		t.Fatalf("override to the 0 %% version: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	steady()
	change("split 2@10", func() error { _, err := ac.Split(ctx, 2, 10); return err })
	steady()
	change("activate 2", func() error { _, err := ac.Activate(ctx, 2); return err })
	steady()
	change("rollback", func() error {
		st, err := ac.Rollback(ctx)
		if err == nil && st.Active != 1 {
			err = fmt.Errorf("rolled back to %d, want 1", st.Active)
		}
		return err
	})
	steady()

	// A canary that passes the corpus but traps on later segments: the
	// edge rolls it back by itself.
	v4 := upload(wasmbuild.EdgeFault(t, "trap_segments"), "traps")
	faultyPhase := phase.Load() + 1
	change("split faulty", func() error { _, err := ac.Split(ctx, v4, 10); return err })
	deadline := time.Now().Add(30 * time.Second)
	var st traffic.Status
	for {
		if st, err = ac.Status(ctx); err != nil {
			t.Fatal(err)
		}
		if st.Canary == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	phase.Add(1)
	if st.Canary != 0 || st.Active != 1 || !strings.Contains(st.Note, "automatic rollback of canary version 4") {
		t.Fatalf("faulty canary not rolled back: %+v", st.Traffic)
	}
	steady()
	close(stop)
	load.Wait()

	// Every answer: exactly one version; 200 unless the faulty canary
	// answered; sticky per session within a phase.
	byPhase := map[[2]int64]string{}
	perVersion := map[string]int{}
	var faulty int
	for _, a := range answers {
		if len(a.versions) != 1 {
			t.Fatalf("answer with versions %v: want exactly one", a.versions)
		}
		v := a.versions[0]
		perVersion[v]++
		if a.status != http.StatusOK {
			if v == fmt.Sprint(v4) && a.phase0 >= faultyPhase {
				faulty++
				continue
			}
			t.Fatalf("request failed: %+v", a)
		}
		if a.phase0 != a.phase1 || a.phase0%2 == 1 {
			continue // crossed a change: either version is right
		}
		key := [2]int64{a.phase0, int64(a.session)}
		if prev, ok := byPhase[key]; ok && prev != v {
			t.Fatalf("session %d flipped from version %s to %s in phase %d", a.session, prev, v, a.phase0)
		}
		byPhase[key] = v
	}
	t.Logf("%d answers, by version %v, %d refused by the faulty canary before its rollback", len(answers), perVersion, faulty)
	if len(answers) < 1000 || perVersion["2"] == 0 || faulty == 0 {
		t.Fatalf("load too thin to prove anything: %d answers, %v", len(answers), perVersion)
	}
	_, m := testenv.Get(t, ac.BaseURL+"/metrics", nil)
	for _, want := range []string{"edge_fn_auto_rollbacks_total 1", `edge_fn_requests_total{trigger="viewer-request",version="4"}`,
		`edge_fn_errors_total{trigger="viewer-request",version="4"}`, `edge_fn_duration_seconds_bucket{trigger="viewer-request",version="2"`, `edge_requests_total{code="200"}`, "edge_cache_hits_total", `edge_gate_verdicts_total{reason="",verdict="allow"}`} {
		if !strings.Contains(string(m), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestVersionsSurviveRestart restarts an edge over the same folder and
// finds its versions and traffic; a corrupted version is refused.
func TestVersionsSurviveRestart(t *testing.T) {
	origin := segmentOrigin(t)
	dir := t.TempDir()
	ctx := context.Background()
	srv, _, ac := versionedEdge(t, origin, dir)
	u, err := ac.Upload(ctx, admin.UploadRequest{Module: wasmbuild.Edge(t), Config: versions.Config{Issuer: "edgeflix-origin"}, Tag: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ac.Activate(ctx, u.Version.Number); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv2, url, ac2 := versionedEdge(t, origin, dir)
	va, err := ac2.Versions(ctx)
	if err != nil || len(va.Versions) != 2 || va.Status.Active != 2 || !slices.Equal(va.Status.History, []int{1}) {
		t.Fatalf("after restart: %+v %v", va, err)
	}
	resp, body := do(t, "GET", url+"/t/"+sessionToken(t, "s1")+"/v1/media/a/720p/seg_00001.m4s", nil)
	if resp.StatusCode != 200 || resp.Header.Get(traffic.VersionHeader) != "2" {
		t.Fatalf("after restart: %d %q by version %q", resp.StatusCode, body, resp.Header.Get(traffic.VersionHeader))
	}

	// Corrupt version 1's stored module: rolling back to it is refused.
	p := filepath.Join(dir, "v", "000001", "module.wasm")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var ae *admin.APIError
	if _, err := ac2.Rollback(ctx); !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity || !strings.Contains(ae.Msg, "corrupt") {
		t.Fatalf("rollback to a corrupt version: %v", err)
	}
	if st, _ := ac2.Status(ctx); st.Active != 2 {
		t.Fatalf("a refused rollback changed the state: %+v", st.Traffic)
	}

	// Corrupt the active version: the edge does not start over it.
	if err := srv2.Close(); err != nil {
		t.Fatal(err)
	}
	p = filepath.Join(dir, "v", "000002", "module.wasm")
	if b, err = os.ReadFile(p); err != nil {
		t.Fatal(err)
	}
	b[len(b)/3] ^= 0xff
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	startCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if s, err := New(startCtx, Config{OriginURL: origin, Module: wasmbuild.Edge(t), CompilationCache: testCache, PoolSize: 1, VersionsDir: dir}); !errors.Is(err, versions.ErrCorrupt) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("start over a corrupt active version: %v, want %v", err, versions.ErrCorrupt)
	}
}

// TestAdminAPIRefusesWithoutToken checks the admin token on every call
// but /metrics.
func TestAdminAPIRefusesWithoutToken(t *testing.T) {
	_, _, ac := versionedEdge(t, segmentOrigin(t), t.TempDir())
	for _, tok := range []string{"", "wrong", adminToken[:len(adminToken)-1], adminToken + "x"} {
		bad := &admin.Client{BaseURL: ac.BaseURL, Token: tok}
		var ae *admin.APIError
		if _, err := bad.Status(context.Background()); !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
			t.Fatalf("token %q: %v", tok, err)
		}
	}
	if _, err := admin.Handler(nil, "short", nil, nil); err == nil {
		t.Fatal("a short admin token was accepted")
	}
	resp, err := http.Get(ac.BaseURL + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/metrics: %v %v", resp, err)
	}
	resp.Body.Close()
}

// markLine is what the mark_masters fault build appends to a rewritten
// master (wasm/module/fault.go).
const markLine = "# rewritten by the mark_masters fault\n"

// TestMasterRewriteRunsOnTheRequestsVersion: a master is rewritten by the
// version the request is assigned to (override header, sticky sid bucket,
// activate, rollback), cached per version, and the response names that
// version.
func TestMasterRewriteRunsOnTheRequestsVersion(t *testing.T) {
	o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
	_, url, ac := versionedEdge(t, o.url, t.TempDir())
	ctx := context.Background()
	u, err := ac.Upload(ctx, admin.UploadRequest{Module: wasmbuild.EdgeFault(t, "mark_masters"), Tag: "marks"})
	if err != nil || u.Version.Number != 2 {
		t.Fatalf("upload: %+v %v", u, err)
	}
	// Sessions on each side of a 50 % split.
	var canarySid, activeSid string
	for i := 0; canarySid == "" || activeSid == ""; i++ {
		sid := fmt.Sprintf("ses_%d", i)
		if traffic.SessionBucket("/t/"+sessionToken(t, sid)+"/") < 5000 {
			canarySid = cmp.Or(canarySid, sid)
		} else {
			activeSid = cmp.Or(activeSid, sid)
		}
	}
	master := func(sid, override string) (marked bool, version, xcache string) {
		t.Helper()
		h := map[string]string{}
		if override != "" {
			h[traffic.OverrideHeader] = override
		}
		resp, body := do(t, "GET", url+"/t/"+sessionToken(t, sid)+"/v1/media/a/master.m3u8", h)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "#EXTM3U") {
			t.Fatalf("master: %d %q", resp.StatusCode, body)
		}
		return strings.HasSuffix(body, markLine), resp.Header.Get(traffic.VersionHeader), resp.Header.Get("X-Cache")
	}
	type want struct {
		sid, override string
		marked        bool
		version       string
		xcache        string
	}
	for _, step := range []struct {
		name   string
		change func() error
		wants  []want
	}{
		{"split 2@0", func() error { _, err := ac.Split(ctx, 2, 0); return err }, []want{
			{activeSid, "2", true, "2", "MISS"},
			{activeSid, "", false, "1", "MISS"}, // not the canary's cached rewrite
			{activeSid, "", false, "1", "HIT"},
			{canarySid, "2", true, "2", "HIT"},
			{canarySid, "", false, "1", "HIT"},
		}},
		{"split 2@50", func() error { _, err := ac.Split(ctx, 2, 50); return err }, []want{
			{canarySid, "", true, "2", "HIT"},
			{canarySid, "", true, "2", "HIT"},
			{activeSid, "", false, "1", "HIT"},
			{activeSid, "1", false, "1", "HIT"},
		}},
		{"activate 2", func() error { _, err := ac.Activate(ctx, 2); return err }, []want{
			{activeSid, "", true, "2", "HIT"},
			{canarySid, "", true, "2", "HIT"},
		}},
		{"rollback", func() error { _, err := ac.Rollback(ctx); return err }, []want{
			{canarySid, "", false, "1", "HIT"},
			{activeSid, "", false, "1", "HIT"},
		}},
	} {
		if err := step.change(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		for i, w := range step.wants {
			marked, version, xcache := master(w.sid, w.override)
			if marked != w.marked || version != w.version || xcache != w.xcache {
				t.Fatalf("%s, request %d (%+v): marked %v, version %q, X-Cache %q", step.name, i, w, marked, version, xcache)
			}
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.lastCaps != "" {
		t.Fatalf("the origin was asked to rewrite (caps %q)", o.lastCaps)
	}
}

// TestOperatorCasesStayWithTheVersion: cases given to a self-test are
// stored beside the version (its module and metadata unchanged), counted
// in the listing, and run again by every later self-test, also the one an
// activation runs after a restart.
func TestOperatorCasesStayWithTheVersion(t *testing.T) {
	origin := segmentOrigin(t)
	dir := t.TempDir()
	ctx := context.Background()
	srv, _, ac := versionedEdge(t, origin, dir)
	u, err := ac.Upload(ctx, admin.UploadRequest{Module: wasmbuild.Edge(t), Config: versions.Config{Issuer: "edgeflix-origin"}, Tag: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	n := u.Version.Number
	immutable := func() []byte {
		t.Helper()
		var all []byte
		for _, f := range []string{"module.wasm", "meta.json"} {
			b, err := os.ReadFile(filepath.Join(dir, "v", fmt.Sprintf("%06d", n), f))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	before := immutable()
	segment := json.RawMessage(`{"Records":[{"cf":{"config":{"eventType":"viewer-request"},"request":{"method":"GET","querystring":"","headers":{},"uri":"/t/{{TOKEN_A1}}/v1/media/a1/720p/seg_00042.m4s"}}}]}`)
	good := selftest.Case{Name: "segment 42", Event: segment, Status: "request", URI: "/v1/media/a1/720p/seg_00042.m4s"}
	wrong := selftest.Case{Name: "expects a 403", Event: segment, Status: "403"}
	counts := func(c *admin.Client) map[int]int {
		t.Helper()
		va, err := c.Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[int]int{}
		for _, v := range va.Versions {
			m[v.Number] = v.Cases
		}
		return m
	}
	if rep, err := ac.Test(ctx, n, []selftest.Case{good}); err != nil || !slices.Contains(caseNames(rep), "operator/segment 42") {
		t.Fatalf("test with a case: %+v %v", rep, err)
	}
	var ae *admin.APIError
	if _, err := ac.Test(ctx, n, []selftest.Case{wrong}); !errors.As(err, &ae) || ae.Report == nil ||
		!slices.Equal(ae.Report.Failed, []string{"operator/expects a 403"}) || !slices.Contains(caseNames(*ae.Report), "operator/segment 42") {
		t.Fatalf("the second test must run the stored case and fail the new one: %v", err)
	}
	if c := counts(ac); c[1] != 0 || c[n] != 2 {
		t.Fatalf("case counts %v, want version %d with 2", c, n)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	_, _, ac2 := versionedEdge(t, origin, dir)
	if c := counts(ac2); c[n] != 2 {
		t.Fatalf("after restart: case counts %v", c)
	}
	if _, err := ac2.Activate(ctx, n); !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity || !strings.Contains(ae.Msg, "expects a 403") {
		t.Fatalf("activation after restart must rerun the stored cases and refuse: %v", err)
	}
	// The operator corrects the case under the same name.
	fixed := wrong
	fixed.Status, fixed.URI = "request", good.URI
	if rep, err := ac2.Test(ctx, n, []selftest.Case{fixed}); err != nil || !rep.Passed {
		t.Fatalf("corrected case: %+v %v", rep, err)
	}
	if _, err := ac2.Activate(ctx, n); err != nil {
		t.Fatal(err)
	}
	if c := counts(ac2); c[n] != 2 {
		t.Fatalf("a case replaced by name was counted twice: %v", c)
	}
	if !bytes.Equal(immutable(), before) {
		t.Fatal("storing cases changed the version's module or metadata")
	}
}

func caseNames(r selftest.Report) []string {
	var names []string
	for _, c := range r.Cases {
		names = append(names, c.Name)
	}
	return names
}
