// Package wasmbuild builds the edge Wasm module for tests, so no .wasm file
// is committed: tests call Edge and get the bytes of a fresh
// GOOS=wasip1 build of ./wasm/module.
package wasmbuild

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	edgeOnce  sync.Once
	edgeBytes []byte
	edgeErr   string
)

// Edge returns the edge module built from this repository's ./wasm/module
// with the go command on PATH (GOOS=wasip1 GOARCH=wasm,
// -buildmode=c-shared). It builds once per test binary and fails tb if the
// build fails.
func Edge(tb testing.TB) []byte {
	tb.Helper()
	edgeOnce.Do(func() { edgeBytes, edgeErr = build("./wasm/module") })
	if edgeErr != "" {
		tb.Fatalf("wasmbuild: %s", edgeErr)
	}
	return edgeBytes
}

var (
	faultMu    sync.Mutex
	faultBuilt = map[string][]byte{}
)

// EdgeFault returns the edge module built with a deliberate defect (the
// edgeflix_fault build tag and main.fault=fault, wasm/module/fault.go):
// "deny_all", "trap_segments", "mark_masters", "trap_masters" or
// "slow_masters". It builds once per fault per test binary.
func EdgeFault(tb testing.TB, fault string) []byte {
	tb.Helper()
	faultMu.Lock()
	defer faultMu.Unlock()
	if b, ok := faultBuilt[fault]; ok {
		return b
	}
	b, msg := build("./wasm/module", "-tags=edgeflix_fault", "-ldflags=-s -X main.fault="+fault)
	if msg != "" {
		tb.Fatalf("wasmbuild: %s", msg)
	}
	faultBuilt[fault] = b
	return b
}

func build(pkg string, flags ...string) ([]byte, string) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return nil, "go env GOMOD: " + err.Error()
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return nil, "not inside the edgeflix module"
	}
	dir, err := os.MkdirTemp("", "edgeflix-wasmbuild-")
	if err != nil {
		return nil, err.Error()
	}
	defer os.RemoveAll(dir)
	dst := filepath.Join(dir, "edge.wasm")
	if len(flags) == 0 {
		flags = []string{"-ldflags=-s"}
	}
	args := append([]string{"build", "-buildmode=c-shared", "-trimpath"}, flags...)
	cmd := exec.Command("go", append(args, "-o", dst, pkg)...)
	cmd.Dir = filepath.Dir(gomod)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, "go build " + pkg + ": " + err.Error() + ": " + stderr.String()
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		return nil, err.Error()
	}
	return b, ""
}
