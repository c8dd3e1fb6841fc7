package fnhost

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestPrepareCacheDir checks that a missing cache folder is made 0700 and
// that folders others could fill with machine code are refused.
func TestPrepareCacheDir(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T, dir string)
		unsafe bool
	}{
		{"missing is made 0700", func(*testing.T, string) {}, false},
		{"own 0755 folder", func(t *testing.T, dir string) { mkdir(t, dir, 0o755) }, false},
		{"world-writable", func(t *testing.T, dir string) { mkdir(t, dir, 0o777) }, true},
		{"group-writable", func(t *testing.T, dir string) { mkdir(t, dir, 0o770) }, true},
		{"sticky shared temp style", func(t *testing.T, dir string) { mkdir(t, dir, 0o777|os.ModeSticky) }, true},
		{"a symlink to an own folder", func(t *testing.T, dir string) {
			target := dir + ".target"
			mkdir(t, target, 0o700)
			if err := os.Symlink(target, dir); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a file", func(t *testing.T, dir string) {
			if err := os.WriteFile(dir, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"owned by another user", func(t *testing.T, dir string) {
			if os.Getuid() != 0 {
				t.Skip("needs root to give a folder away")
			}
			mkdir(t, dir, 0o700)
			if err := os.Chown(dir, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cache", "wazero")
			if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
				t.Fatal(err)
			}
			tc.setup(t, dir)
			err := PrepareCacheDir(dir)
			if tc.unsafe {
				if !errors.Is(err, ErrUnsafeCacheDir) {
					t.Fatalf("err %v, want ErrUnsafeCacheDir", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(dir)
			if err != nil || fi.Mode().Perm()&0o077 > 0o055 {
				t.Fatalf("mode %v %v", fi.Mode(), err)
			}
			if tc.name == "missing is made 0700" && fi.Mode().Perm() != 0o700 {
				t.Fatalf("mode %v, want 0700", fi.Mode().Perm())
			}
		})
	}
	t.Run("New refuses an unsafe CacheDir", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "shared")
		mkdir(t, dir, 0o777)
		if _, err := New(t.Context(), Options{Module: []byte("\x00asm\x01\x00\x00\x00"), CacheDir: dir}); !errors.Is(err, ErrUnsafeCacheDir) {
			t.Fatalf("err %v", err)
		}
	})
}

// mkdir makes dir with exactly mode (umask aside).
func mkdir(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}
