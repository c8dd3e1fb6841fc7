package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

func TestFn(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "edge.wasm")
	if err := os.WriteFile(mod, wasmbuild.Edge(t), 0o644); err != nil {
		t.Fatal(err)
	}
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{'k'}, 32)).Public().(ed25519.PublicKey)
	jwks := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwks, []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"`+base64.RawURLEncoding.EncodeToString(pub)+`"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	master := "../../wasm/lambda/testdata/origin/v1/media/a1/master.m3u8"
	events := "../../wasm/lambda/testdata/events/"
	for _, tc := range []struct {
		name    string
		args    []string
		stdin   string
		wantOut []string // substrings of stdout
		wantErr bool
	}{
		{"help", []string{"--help"}, "", []string{"invoke", "rewrite", "bundle"}, false},
		{"unknown", []string{"nope"}, "", nil, true},
		{"rewrite 720p", []string{"rewrite", "--module", mod, "--max-height", "720", "--max-bandwidth", "3000000", "--codecs", "avc1,mp4a"}, master, []string{"#EXTM3U", "720p/index.m3u8"}, false},
		{"rewrite unplayable", []string{"rewrite", "--module", mod, "--codecs", "vp09"}, master, nil, true},
		{"invoke missing token", []string{"fn", "invoke", "--module", mod, "--jwks", jwks, "--event", events + "vr_missing_token.json"}, "", []string{`"status":"403"`, "no_token"}, false},
		{"invoke origin-request", []string{"fn", "invoke", "--module", mod, "--event", events + "or_master_phone.json", "--origin-body", master}, "", []string{`"status":"200"`, "480p/index.m3u8"}, false},
		{"invoke segment passes", []string{"fn", "invoke", "--module", mod, "--event", events + "or_segment.json", "--origin-body", master}, "", []string{`"uri":"/v1/media/a1/720p/seg_00001.m4s"`}, false},
		{"bundle", []string{"bundle", "--jwks", jwks, "--out", filepath.Join(dir, "b")}, "", []string{"config.json"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args[0] == "fn" {
				args = args[1:]
			}
			if tc.stdin != "" {
				f, err := os.Open(tc.stdin)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				old := os.Stdin
				os.Stdin = f
				defer func() { os.Stdin = old }()
			}
			var out, errOut bytes.Buffer
			err := runFn(context.Background(), args, &out, &errOut)
			if (err != nil) != tc.wantErr {
				t.Fatalf("runFn(%v) = %v, stderr %s", args, err, errOut.String())
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Fatalf("stdout lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
	// The bundled config is a configure document the module accepts.
	b, err := os.ReadFile(filepath.Join(dir, "b", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil || cfg["iss"] != "edgeflix-origin" || cfg["jwks"] == nil {
		t.Fatalf("config.json = %s (%v)", b, err)
	}
}

// TestFnBundleProofKey: the bundle bakes the first of
// EDGEFLIX_EDGE_PROOF_KEYS as proof.json (0600), and drops a stale one when
// the variable is unset.
func TestFnBundleProofKey(t *testing.T) {
	dir := t.TempDir()
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{'k'}, 32)).Public().(ed25519.PublicKey)
	jwks := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwks, []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"`+base64.RawURLEncoding.EncodeToString(pub)+`"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	next, cur := bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{1}, 32)
	t.Setenv("EDGEFLIX_EDGE_PROOF_KEYS", "k2:"+base64.RawURLEncoding.EncodeToString(next)+",k1:"+base64.RawURLEncoding.EncodeToString(cur))
	out := filepath.Join(dir, "b")
	var stdout, stderr bytes.Buffer
	if err := runFnBundle(context.Background(), []string{"--jwks", jwks, "--out", out}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	p := filepath.Join(out, "proof.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Kid, Key string }
	if err := json.Unmarshal(b, &doc); err != nil || doc.Kid != "k2" || doc.Key != base64.RawURLEncoding.EncodeToString(next) {
		t.Fatalf("proof.json = %s (%v), want the first key k2", b, err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("proof.json mode %v (%v), want 0600", fi.Mode(), err)
	}
	if strings.Contains(stdout.String()+stderr.String(), doc.Key) {
		t.Fatal("the key reached the output")
	}
	t.Setenv("EDGEFLIX_EDGE_PROOF_KEYS", "")
	if err := runFnBundle(context.Background(), []string{"--jwks", jwks, "--out", out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("stale proof.json kept: %v", err)
	}
	t.Setenv("EDGEFLIX_EDGE_PROOF_KEYS", "k1:short")
	if err := runFnBundle(context.Background(), []string{"--jwks", jwks, "--out", out}, &stdout, &stderr); err == nil {
		t.Fatal("a bad key list was accepted")
	}
}
