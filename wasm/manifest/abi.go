package manifest

import (
	"errors"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// Statuses of the module's rewrite export (wasm/ABI.md).
const (
	// StatusOK: the body is the rewritten master.
	StatusOK = "ok"
	// StatusNotMaster: serve the origin's bytes unchanged (ErrNotMaster).
	StatusNotMaster = "not_master"
	// StatusUnplayable: nothing is left for the device (ErrNothingPlayable).
	StatusUnplayable = "unplayable"
	// StatusInvalid: the origin sent no usable master (ErrInvalid); the body
	// is a message.
	StatusInvalid = "invalid"
	// StatusError: a bad call (ErrCall); the body is a message.
	StatusError = "error"
)

var (
	// ErrCall reports a rewrite call the module could not understand: no
	// caps line, bad caps, an input that is not the alloc buffer.
	ErrCall = errors.New("manifest: bad rewrite call")
	// ErrResult reports bytes that are not a rewrite result.
	ErrResult = errors.New("manifest: malformed rewrite result")
)

// AppendInput appends the rewrite export's input to dst: the caps value, a
// newline, the master playlist.
func AppendInput(dst []byte, caps string, master []byte) []byte {
	dst = append(dst, caps...)
	dst = append(dst, '\n')
	return append(dst, master...)
}

// Call is the rewrite export's logic: it reads an input written by
// AppendInput and appends the result's wire form, "<status>\n<body>", to
// dst.
func (r *Rewriter) Call(dst, input []byte) []byte {
	i := indexByte(input, '\n')
	if i < 0 {
		return AppendResult(dst, StatusError, "no caps line")
	}
	// A host sends the few caps values of its devices over and over: the
	// last one parsed is remembered (no parse, no allocation on a repeat).
	if line := input[:i]; !r.capsOK || !equalText(line, r.capsText) {
		text := string(line)
		caps, err := contract.ParseHeader(text)
		if err != nil {
			return AppendResult(dst, StatusError, "caps: "+detail(err))
		}
		r.caps, r.capsText, r.capsOK = caps, text, true
	}
	mark := len(dst)
	dst = append(dst, StatusOK+"\n"...)
	out, err := r.Rewrite(dst, input[i+1:], &r.caps)
	if err == nil {
		return out
	}
	dst = dst[:mark]
	switch err {
	case ErrNotMaster:
		return AppendResult(dst, StatusNotMaster, "")
	case ErrNothingPlayable:
		return AppendResult(dst, StatusUnplayable, "")
	default:
		return AppendResult(dst, StatusInvalid, detail(err))
	}
}

// detail is err's detail without its sentinel's text. (No errors.As: it
// costs the module kilobytes; Rewrite and contract.ParseHeader return their sentinels
// bare or in an *errdetail.Error.)
func detail(err error) string {
	if d, ok := err.(*errdetail.Error); ok {
		return d.Detail
	}
	return err.Error()
}

// AppendResult appends a result's wire form to dst.
func AppendResult(dst []byte, status, body string) []byte {
	dst = append(dst, status...)
	dst = append(dst, '\n')
	return append(dst, body...)
}

// Result is a decoded rewrite result.
type Result struct {
	// Status is one of the Status constants.
	Status string
	// Body is the rewritten master (StatusOK) or a message; it aliases the
	// bytes given to ParseResult.
	Body []byte
}

// ParseResult reads a result's wire form.
func ParseResult(b []byte) (Result, error) {
	i := indexByte(b, '\n')
	if i < 0 {
		return Result{}, ErrResult
	}
	r := Result{Status: string(b[:i]), Body: b[i+1:]}
	switch r.Status {
	case StatusOK, StatusInvalid, StatusError:
	case StatusNotMaster, StatusUnplayable:
		if len(r.Body) != 0 {
			return Result{}, ErrResult
		}
	default:
		return Result{}, ErrResult
	}
	return r, nil
}

// Err is the error a result stands for: nil for StatusOK, else one wrapping
// ErrNotMaster, ErrNothingPlayable, ErrInvalid or ErrCall.
func (r Result) Err() error {
	switch r.Status {
	case StatusOK:
		return nil
	case StatusNotMaster:
		return ErrNotMaster
	case StatusUnplayable:
		return ErrNothingPlayable
	case StatusInvalid:
		return errdetail.Wrap(ErrInvalid, string(r.Body))
	default:
		return errdetail.Wrap(ErrCall, string(r.Body))
	}
}
