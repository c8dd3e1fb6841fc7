package fnhost

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrUnsafeCacheDir means a compilation cache folder could be written by
// someone other than the user running the host: machine code loaded from it
// could be someone else's.
var ErrUnsafeCacheDir = errors.New("fnhost: unsafe compilation cache folder")

// PrepareCacheDir makes dir (and missing parents) with mode 0700 if it does
// not exist, and checks that it is a real folder (not a symlink) owned by
// the current user and not writable by group or others. wazero runs the
// machine code it finds there, so a folder that others can write is refused
// rather than used.
func PrepareCacheDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("fnhost: compilation cache: %w", err)
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return fmt.Errorf("fnhost: compilation cache: %w", err)
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: %s is a symbolic link", ErrUnsafeCacheDir, dir)
	case !fi.IsDir():
		return fmt.Errorf("%w: %s is not a folder", ErrUnsafeCacheDir, dir)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%w: %s is writable by group or others (mode %v); chmod 700 it", ErrUnsafeCacheDir, dir, fi.Mode().Perm())
	}
	if uid, ok := ownerOf(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%w: %s is owned by uid %d, not %d", ErrUnsafeCacheDir, dir, uid, os.Getuid())
	}
	return nil
}
