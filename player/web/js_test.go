package web

import (
	"io/fs"
	"os/exec"
	"path/filepath"
	"testing"
)

// node runs Node.js with args in this directory and fails the test with
// its output if it exits non-zero. A missing node fails too, as a missing
// Chromium does (internal/browser): a skipped test would look like a
// passing one.
func node(t *testing.T, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is required (scripts/setup.sh installs Node.js)")
	}
	cmd := exec.CommandContext(t.Context(), "node", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %v: %v\n%s", args, err, out)
	}
}

// TestJSUnits runs the modules' table tests (*_test.mjs, node:test) under
// node --test: PKCE and tokens (oauth.js), the JSON decoders (decode.js),
// the resume rules (resume.js), the focus grid (keys.js), the formatting
// helpers (dom.js) and the playback session's rules (session.js).
func TestJSUnits(t *testing.T) {
	files, err := filepath.Glob("*_test.mjs")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no *_test.mjs files")
	}
	node(t, append([]string{"--test", "--test-reporter=spec"}, files...)...)
}

// TestJSSyntax parses every module the origin serves, the views the unit
// tests do not import (they touch the DOM as they load) included.
func TestJSSyntax(t *testing.T) {
	names, err := fs.Glob(Files, "*.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) { node(t, "--check", name) })
	}
}
