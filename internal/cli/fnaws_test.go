package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/edgeflix/edgeflix/internal/lambdaplan"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

// recorder is a stand-in for make, aws and terraform (AWS is not reachable
// from tests): it appends its name and arguments to $FN_LOG, makes
// `make lambda` leave $FN_MODULE where the zips' module would be, and
// fails when its name is $FN_FAIL.
const recorder = `#!/bin/sh
name=$(basename "$0")
echo "$name $*" >> "$FN_LOG"
if [ "$name" = make ]; then mkdir -p dist/lambda/bundle && cp "$FN_MODULE" dist/lambda/bundle/edge.wasm; fi
[ "$name" != "$FN_FAIL" ]
`

// TestFnAWSApply runs the --target aws --apply path with recording
// make/aws/terraform first on PATH: commands run in order, a failing step
// stops the run and is named, nothing is published when the self-test
// fails, and the Terraform variables are merged into the root's file.
func TestFnAWSApply(t *testing.T) {
	dir := t.TempDir()
	good, broken := filepath.Join(dir, "good.wasm"), filepath.Join(dir, "broken.wasm")
	if err := os.WriteFile(good, wasmbuild.Edge(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, wasmbuild.EdgeFault(t, "deny_all"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"make", "aws", "terraform"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(recorder), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Chdir(t.TempDir()) // `make lambda` writes dist/ here
	tf := t.TempDir()
	vars := filepath.Join(tf, lambdaplan.TFVarsFile)
	if err := os.WriteFile(vars, []byte(`{"pinned_versions":{"viewer_request":"4","origin_request":"4"},"other":"kept"}`), 0o644); err != nil {
		t.Fatal(err)
	}

	const jwks = "https://origin.example/.well-known/jwks.json"
	build := "make lambda JWKS=" + jwks
	publish := func(fn string) string {
		return "aws lambda update-function-code --region us-east-1 --function-name edgeflix-edge-" + fn + " --zip-file fileb://dist/lambda/" + fn + ".zip --publish"
	}
	selftest := "edgeflix fn test --target aws --module dist/lambda/bundle/edge.wasm"
	terraform := "terraform -chdir=" + tf + " apply"
	upload := []string{"upload", "--target", "aws", "--apply", "--jwks", jwks}
	for _, tc := range []struct {
		name    string
		args    []string
		module  string
		fail    string
		wantRun []string // commands the recorders saw, in order
		wantErr string   // "" = success
		want    map[string]any
	}{
		{"upload publishes both after the self-test", upload, good, "", []string{build, publish("viewer-request"), publish("origin-request")}, "", nil},
		{"a failing self-test publishes nothing", upload, broken, "", []string{build}, "step 2 of 4 (" + selftest + ") failed: self-test failed", nil},
		{"a failing build stops the run", upload, good, "make", []string{build}, "step 1 of 4 (" + build + ") failed", nil},
		{"a failing publish stops the run", upload, good, "aws", []string{build, publish("viewer-request")}, "step 3 of 4 (" + publish("viewer-request") + ") failed", nil},
		{"split writes the staging variables and applies", []string{"split", "--target", "aws", "--apply", "--tf-dir", tf, "--staging-header", "smoke-1", "7/5@10"}, good, "", []string{terraform}, "",
			map[string]any{"pinned_versions": map[string]any{"viewer_request": "4", "origin_request": "4"}, "other": "kept",
				"staging_viewer_request_version": "7", "staging_origin_request_version": "5", "staging_traffic_weight": 0.1, "staging_header_value": "smoke-1"}},
		{"activate pins and drops staging", []string{"activate", "--target", "aws", "--apply", "--tf-dir", tf, "7/5"}, good, "", []string{terraform}, "",
			map[string]any{"pinned_versions": map[string]any{"viewer_request": "7", "origin_request": "5"}, "other": "kept",
				"staging_viewer_request_version": nil, "staging_origin_request_version": nil, "staging_traffic_weight": 0.1, "staging_header_value": "smoke-1"}},
		{"a failing terraform apply is named", []string{"rollback", "--target", "aws", "--apply", "--tf-dir", tf, "4"}, good, "terraform", []string{terraform}, "step 1 of 1 (" + terraform + ") failed",
			map[string]any{"pinned_versions": map[string]any{"viewer_request": "4", "origin_request": "4"}, "other": "kept",
				"staging_viewer_request_version": nil, "staging_origin_request_version": nil, "staging_traffic_weight": 0.1, "staging_header_value": "smoke-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "log")
			t.Setenv("FN_LOG", log)
			t.Setenv("FN_MODULE", tc.module)
			t.Setenv("FN_FAIL", tc.fail)
			var out bytes.Buffer
			err := runFn(context.Background(), tc.args, &out, &out)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err %v, want %q\n%s", err, tc.wantErr, out.String())
			}
			b, _ := os.ReadFile(log)
			if got := strings.Split(strings.TrimSpace(string(b)), "\n"); !slices.Equal(got, tc.wantRun) {
				t.Fatalf("ran\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.wantRun, "\n"))
			}
			if tc.want == nil {
				return
			}
			var got map[string]any
			b, _ = os.ReadFile(vars)
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tc.want)
			if !bytes.Equal(gj, wj) {
				t.Fatalf("%s:\n%s\nwant\n%s", vars, gj, wj)
			}
		})
	}

	t.Run("a variables file that is not JSON is refused and nothing runs", func(t *testing.T) {
		bad := t.TempDir()
		p := filepath.Join(bad, lambdaplan.TFVarsFile)
		if err := os.WriteFile(p, []byte("pinned_versions = {}"), 0o644); err != nil {
			t.Fatal(err)
		}
		log := filepath.Join(t.TempDir(), "log")
		t.Setenv("FN_LOG", log)
		var out bytes.Buffer
		err := runFn(context.Background(), []string{"activate", "--target", "aws", "--apply", "--tf-dir", bad, "7"}, &out, &out)
		if err == nil || !strings.Contains(err.Error(), "nothing was run") {
			t.Fatalf("err %v", err)
		}
		if _, err := os.Stat(log); err == nil {
			t.Fatal("a command ran")
		}
		if b, _ := os.ReadFile(p); string(b) != "pinned_versions = {}" {
			t.Fatalf("the file was changed: %s", b)
		}
	})
}
