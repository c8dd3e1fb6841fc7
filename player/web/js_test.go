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
// helpers (dom.js), the playback session's rules (session.js), the
// operator's QoE table (qoe.js) and the linking of app.js's module graph
// (modules_test.mjs).
func TestJSUnits(t *testing.T) {
	files, err := filepath.Glob("*_test.mjs")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no *_test.mjs files")
	}
	args := []string{"--experimental-vm-modules", "--disable-warning=ExperimentalWarning", "--test", "--test-reporter=spec"}
	node(t, append(args, files...)...)
}

// TestJSServed checks that every .js file here is served, so a module
// the linked graph reads from disk (modules_test.mjs) is one the browser
// can fetch, and that each parses, loader.js (no module) included.
func TestJSServed(t *testing.T) {
	names, err := filepath.Glob("*.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if _, err := fs.Stat(Files, name); err != nil {
				t.Fatalf("%s is not embedded in Files (web.go): %v", name, err)
			}
			node(t, "--check", name)
		})
	}
}
