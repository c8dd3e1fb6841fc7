package web

import (
	"errors"
	"io/fs"
)

// Site returns the web app as the origin serves it at /app/: Files layered
// over build, the build output holding player.wasm and wasm_exec.js (see
// `make wasm`). A name is looked up in Files first.
func Site(build fs.FS) fs.FS { return unionFS{Files, build} }

type unionFS []fs.FS

func (u unionFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	for _, layer := range u {
		f, err := layer.Open(name)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
