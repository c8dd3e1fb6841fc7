package errdetail

import (
	"errors"
	"testing"
)

func TestWrap(t *testing.T) {
	sentinel := errors.New("token: malformed")
	err := Wrap(sentinel, "no dot")
	if !errors.Is(err, sentinel) || err.Error() != "token: malformed: no dot" {
		t.Fatalf("Wrap = %v", err)
	}
	var d *Error
	if !errors.As(err, &d) || d.Detail != "no dot" {
		t.Fatalf("detail of %v", err)
	}
}
