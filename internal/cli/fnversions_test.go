package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/edge"
	"github.com/edgeflix/edgeflix/edge/admin"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

var fnCache = wazero.NewCompilationCache()

// twoEdges starts two versioned edges in front of one origin stand-in
// (JWKS only) and returns their admin URLs.
func twoEdges(t *testing.T) []string {
	t.Helper()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"keys":[]}`))
	}))
	t.Cleanup(origin.Close)
	var urls []string
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		srv, err := edge.New(ctx, edge.Config{OriginURL: origin.URL, Module: wasmbuild.Edge(t), CompilationCache: fnCache, PoolSize: 1, VersionsDir: t.TempDir()})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(ln)
		if _, err := serveAdmin(srv, ln.Addr().String(), ln.Addr().String(), &bytes.Buffer{}, slog.New(slog.DiscardHandler)); err == nil {
			t.Fatal("the admin API was allowed on the public address")
		}
		h, err := admin.Handler(srv.Versions(), "cli-test-admin-token-0123", srv.MetricsHandler(), nil)
		if err != nil {
			t.Fatal(err)
		}
		a := httptest.NewServer(h)
		t.Cleanup(func() { a.Close(); srv.Close() })
		urls = append(urls, a.URL)
	}
	return urls
}

func TestFnVersionsAcrossEdges(t *testing.T) {
	edges := twoEdges(t)
	dir := t.TempDir()
	mod := filepath.Join(dir, "edge.wasm")
	if err := os.WriteFile(mod, wasmbuild.Edge(t), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.wasm")
	if err := os.WriteFile(broken, wasmbuild.EdgeFault(t, "deny_all"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(admin.TokenEnv, "cli-test-admin-token-0123")
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
		{[]string{"test", "2"}, false, []string{"self-test passed"}},
		{[]string{"test", "3"}, true, []string{edges[0] + ": FAILED", "self-test failed"}},
		{[]string{"activate", "3"}, true, []string{"refused", "self-test failed"}},
		{[]string{"split", "2@10"}, false, []string{"active 1, canary 2 at 10%"}},
		{[]string{"activate", "2"}, false, []string{edges[1] + ": active 2"}},
		{[]string{"rollback"}, false, []string{"active 1", "rolled back to version 1"}},
		{[]string{"versions"}, false, []string{"active 1", "abc", "broken"}},
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
	out, err := run("versions", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var res []struct {
		Edge   string
		OK     bool
		Result admin.VersionsAnswer
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 2 || len(res[1].Result.Versions) != 3 || res[0].Result.Status.Active != 1 {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	t.Setenv(admin.TokenEnv, "")
	if _, err := run("versions"); err == nil || !strings.Contains(err.Error(), admin.TokenEnv) {
		t.Fatalf("no token: %v", err)
	}
	t.Setenv(admin.TokenEnv, "wrong-token-wrong-token")
	if out, err := run("versions"); err == nil || !strings.Contains(out, "status 401") {
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
