// Package errdetail wraps a sentinel error with a detail, as
// fmt.Errorf("%w: %s") would, without importing fmt: the edge module's
// packages (wasm/token, wasm/gate, wasm/manifest) stay small with it.
package errdetail

// Error is a sentinel with a detail.
type Error struct {
	Err    error
	Detail string
}

func (e *Error) Error() string { return e.Err.Error() + ": " + e.Detail }
func (e *Error) Unwrap() error { return e.Err }

// Wrap returns err with detail; errors.Is(Wrap(err, d), err) holds.
func Wrap(err error, detail string) error { return &Error{Err: err, Detail: detail} }

// Prefixed is an error with context in front of it, as
// fmt.Errorf("%s: %w") would make.
type Prefixed struct {
	Prefix string
	Err    error
}

func (e *Prefixed) Error() string { return e.Prefix + ": " + e.Err.Error() }
func (e *Prefixed) Unwrap() error { return e.Err }

// Prefix returns err with prefix in front; errors.Is(Prefix(p, err), err)
// holds.
func Prefix(prefix string, err error) error { return &Prefixed{Prefix: prefix, Err: err} }
