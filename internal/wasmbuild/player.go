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
	playerOnce sync.Once
	playerDir  string
	playerErr  string
)

// Player returns a folder holding player.wasm, built from this
// repository's ./player/app for GOOS=js, and Go's wasm_exec.js beside it,
// with their .gz and .br forms: the build output the origin serves at /app/. It builds once per test
// binary and fails tb if the build fails. The folder lives until the test
// binary exits.
func Player(tb testing.TB) string {
	tb.Helper()
	playerOnce.Do(func() { playerDir, playerErr = buildPlayer() })
	if playerErr != "" {
		tb.Fatalf("wasmbuild: %s", playerErr)
	}
	return playerDir
}

func buildPlayer() (string, string) {
	root, err := moduleRoot()
	if err != nil {
		return "", err.Error()
	}
	dir, err := os.MkdirTemp("", "edgeflix-player-")
	if err != nil {
		return "", err.Error()
	}
	// The flags of make wasm (PLAYER_FLAGS in the Makefile).
	cmd := exec.Command("go", "build", "-trimpath", "-gcflags=all=-l", "-ldflags=-s",
		"-o", filepath.Join(dir, "player.wasm"), "./player/app")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", "go build ./player/app: " + err.Error() + ": " + stderr.String()
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", "go env GOROOT: " + err.Error()
	}
	js, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return "", err.Error()
	}
	if err := os.WriteFile(filepath.Join(dir, "wasm_exec.js"), js, 0o644); err != nil {
		return "", err.Error()
	}
	// As make wasm does: the origin then serves compressed forms without
	// compressing at startup (a test binary built with -race would take
	// minutes of a busy core).
	pre := exec.Command("go", "run", "./cmd/precompress", dir)
	pre.Dir = root
	pre.Stderr = &stderr
	if err := pre.Run(); err != nil {
		return "", "go run ./cmd/precompress: " + err.Error() + ": " + stderr.String()
	}
	return dir, ""
}

// moduleRoot is the folder holding this repository's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", os.ErrNotExist
	}
	return filepath.Dir(gomod), nil
}
