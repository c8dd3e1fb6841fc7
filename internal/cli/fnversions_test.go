package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/edge/admin"
	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/origin/keys"
)

const testAdminToken = "cli-test-admin-token-0123"

// twoEdges starts the local stack (internal/stack: MySQL, Redis, local
// S3, the origin) with two versioned edges and serves each edge's admin
// API as `edgeflix up` does. It returns the admin URLs and, per edge, a
// function that takes it down (admin API and edge).
func twoEdges(t *testing.T) (urls []string, down []func()) {
	t.Helper()
	_, dsn := testenv.MySQL(t)
	_, prefix := testenv.Redis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, stack.Config{
		MySQLDSN: dsn, RedisAddr: testenv.RedisAddr(), RedisPrefix: prefix,
		S3Dir: t.TempDir(), S3Addr: "127.0.0.1:0", Bucket: "edgeflix-cli",
		OriginAddr: "127.0.0.1:0", EdgeAddr: "127.0.0.1:0", MoreEdgeAddrs: []string{"127.0.0.1:0"},
		EdgeVersionsDir:  t.TempDir(),
		KeyEncryptionKey: bytes.Repeat([]byte{'k'}, keys.KEKSize), EdgeModule: wasmbuild.Edge(t), SkipDemo: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if len(st.Edges) != 2 {
		t.Fatalf("%d edges started, want 2", len(st.Edges))
	}
	t.Setenv(admin.TokenEnv, testAdminToken)
	for i, e := range st.Edges {
		public := strings.TrimPrefix(st.EdgeURLs[i], "http://")
		if _, _, err := serveAdmin(e, public, public, io.Discard, slog.New(slog.DiscardHandler)); err == nil {
			t.Fatal("the admin API was allowed on the public address")
		}
		url, stop, err := serveAdmin(e, "127.0.0.1:0", public, io.Discard, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		urls = append(urls, url)
		down = append(down, func() { stop(); e.Close() })
	}
	return urls, down
}

// TestFnVersionsAcrossEdges drives the fn verbs through the CLI code
// against both edges of a local stack, then takes one edge down.
func TestFnVersionsAcrossEdges(t *testing.T) {
	edges, down := twoEdges(t)
	dir := t.TempDir()
	mod := filepath.Join(dir, "edge.wasm")
	if err := os.WriteFile(mod, wasmbuild.Edge(t), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.wasm")
	if err := os.WriteFile(broken, wasmbuild.EdgeFault(t, "deny_all"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := filepath.Join(dir, "cases.json")
	if err := os.WriteFile(cases, []byte(`[{"name":"segment 42","status":"request","uri":"/v1/media/a1/720p/seg_00042.m4s",
  "event":{"Records":[{"cf":{"config":{"eventType":"viewer-request"},"request":{"method":"GET","querystring":"","headers":{},"uri":"/t/{{TOKEN_A1}}/v1/media/a1/720p/seg_00042.m4s"}}}]}}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	edgeArgs := []string{"--edge", edges[0] + "," + edges[1]}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := runFn(context.Background(), append(args, edgeArgs...), &out, &errOut)
		if err != nil {
			errOut.WriteString(err.Error())
		}
		return out.String() + errOut.String(), err
	}
	steps := []struct {
		args    []string
		wantErr bool
		want    []string // substrings, each edge's line
	}{
		{[]string{"upload", "--module", mod, "--tag", "abc", "--iss", "edgeflix-origin"}, false, []string{edges[0] + ": uploaded version 2", edges[1] + ": uploaded version 2"}},
		{[]string{"upload", "--module", broken, "--tag", "broken"}, false, []string{"uploaded version 3"}},
		{[]string{"test", "2", "--cases", cases}, false, []string{edges[0] + ": self-test passed", edges[1] + ": self-test passed"}},
		{[]string{"test", "3"}, true, []string{edges[0] + ": FAILED", "self-test failed"}},
		{[]string{"activate", "3"}, true, []string{"refused", "self-test failed"}},
		{[]string{"split", "2@10"}, false, []string{"active 1, canary 2 at 10%"}},
		{[]string{"activate", "2"}, false, []string{edges[1] + ": active 2"}},
		{[]string{"rollback"}, false, []string{"active 1", "rolled back to version 1"}},
		{[]string{"versions"}, false, []string{"active 1", "abc", "broken", "  1 cases  abc"}},
		{[]string{"split", "2@101"}, true, []string{"want N@PERCENT"}},
		{[]string{"activate", "x"}, true, []string{"want a positive number"}},
		{[]string{"activate", "9"}, true, []string{"status 404"}},
	}
	for _, s := range steps {
		out, err := run(s.args...)
		if (err != nil) != s.wantErr {
			t.Fatalf("fn %v: err %v, want error %v\n%s", s.args, err, s.wantErr, out)
		}
		for _, w := range s.want {
			if !strings.Contains(out, w) {
				t.Fatalf("fn %v: output lacks %q:\n%s", s.args, w, out)
			}
		}
	}
	type report struct {
		Edge   string
		OK     bool
		Error  string
		Result admin.VersionsAnswer
	}
	versionsJSON := func() ([]report, error) {
		t.Helper()
		out, err := run("versions", "--json")
		var res []report
		if jerr := json.Unmarshal([]byte(out[:strings.LastIndex(out, "]")+1]), &res); jerr != nil || len(res) != 2 {
			t.Fatalf("--json: %v\n%s", jerr, out)
		}
		return res, err
	}
	res, err := versionsJSON()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Edge != edges[i] || !r.OK || len(r.Result.Versions) != 3 || r.Result.Status.Active != 1 || r.Result.Versions[1].Cases != 1 || r.Result.Versions[1].Tag != "abc" {
			t.Fatalf("edge %d's report: %+v", i+1, r)
		}
	}

	// One edge down: the command fails naming it and still reports the other.
	down[1]()
	res, err = versionsJSON()
	if err == nil || !strings.Contains(err.Error(), "failed on 1 of 2 edges: "+edges[1]) {
		t.Fatalf("with edge 2 down: %v", err)
	}
	if !res[0].OK || res[0].Result.Status.Active != 1 || res[1].OK || res[1].Edge != edges[1] || res[1].Error == "" {
		t.Fatalf("with edge 2 down: %+v", res)
	}
	if out, err := run("activate", "2"); err == nil || !strings.Contains(out, edges[0]+": active 2") || !strings.Contains(out, edges[1]+": FAILED") {
		t.Fatalf("activate with edge 2 down: %v\n%s", err, out)
	}

	t.Setenv(admin.TokenEnv, "")
	if _, err := run("versions"); err == nil || !strings.Contains(err.Error(), admin.TokenEnv) {
		t.Fatalf("no token: %v", err)
	}
	t.Setenv(admin.TokenEnv, "wrong-token-wrong-token")
	if out, err := run("versions"); err == nil || !strings.Contains(out, edges[0]+": FAILED: status 401") {
		t.Fatalf("wrong token: %v %s", err, out)
	}
}

func TestFnAWSPlans(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr bool
		want    []string
	}{
		{[]string{"upload", "--target", "aws", "--jwks", "https://origin.example/.well-known/jwks.json"}, false,
			[]string{"make lambda JWKS=https://origin.example/.well-known/jwks.json", "aws lambda update-function-code --region us-east-1 --function-name edgeflix-edge-viewer-request", "--publish"}},
		{[]string{"split", "--target", "aws", "--staging-header", "h1", "7/5@10"}, false,
			[]string{`"staging_viewer_request_version": "7"`, `"staging_origin_request_version": "5"`, `"staging_traffic_weight": 0.1`, `"staging_header_value": "h1"`}},
		{[]string{"split", "--target", "aws", "7@20"}, true, nil},
		{[]string{"activate", "--target", "aws", "7/5"}, false, []string{`"viewer_request": "7"`, `"staging_viewer_request_version": null`}},
		{[]string{"rollback", "--target", "aws", "6"}, false, []string{`"origin_request": "6"`, "replicas outlive"}},
		{[]string{"rollback", "--target", "aws"}, true, nil},
		{[]string{"activate", "--target", "aws", "0"}, true, nil},
	} {
		var out bytes.Buffer
		err := runFn(context.Background(), tc.args, &out, &out)
		if (err != nil) != tc.wantErr {
			t.Fatalf("fn %v: %v\n%s", tc.args, err, out.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Fatalf("fn %v lacks %q:\n%s", tc.args, w, out.String())
			}
		}
	}
}
