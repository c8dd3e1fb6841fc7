package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestOriginFailsClosed checks that `edgeflix origin` refuses to start
// without an edge secret unless --insecure-dev is given, validates the
// password-hash memory budget, and listens on loopback by default.
func TestOriginFailsClosed(t *testing.T) {
	t.Setenv("EDGEFLIX_EDGE_PROOF_KEYS", "")
	t.Setenv("EDGEFLIX_ORIGIN_ADDR", "")
	t.Setenv("EDGEFLIX_PASSWORD_HASH_MEMORY_MIB", "")
	for _, tc := range []struct {
		name    string
		keys    string
		args    []string
		wantErr string // substring; "" for flag.ErrHelp
		stderr  string // substring of the usage text
	}{
		{"no proof keys refuses", "", []string{"--mysql-dsn", "nobody@tcp(127.0.0.1:1)/x"}, "EDGEFLIX_EDGE_PROOF_KEYS is unset", ""},
		{"insecure-dev passes the guard", "", []string{"--insecure-dev", "--password-hash-memory-mib", "5"}, "--password-hash-memory-mib: 5 MiB", ""},
		{"proof keys pass the guard", "k1:" + strings.Repeat("A", 43), []string{"--password-hash-memory-mib", "0"}, "--password-hash-memory-mib: 0 MiB", ""},
		{"loopback by default", "", []string{"--help"}, "", `(default "127.0.0.1:8080")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("EDGEFLIX_EDGE_PROOF_KEYS", tc.keys)
			var stdout, stderr bytes.Buffer
			err := runOrigin(context.Background(), tc.args, &stdout, &stderr)
			switch {
			case tc.wantErr == "" && !errors.Is(err, flag.ErrHelp):
				t.Fatalf("err %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
			if strings.Contains(stdout.String(), "listening") {
				t.Fatalf("it listened: %s", stdout.String())
			}
		})
	}
}
