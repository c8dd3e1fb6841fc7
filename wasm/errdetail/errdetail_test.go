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

func TestPrefix(t *testing.T) {
	cause := errors.New("HTTP 404")
	err := Prefix("media playlist 720p", cause)
	if !errors.Is(err, cause) || err.Error() != "media playlist 720p: HTTP 404" {
		t.Fatalf("Prefix = %v", err)
	}
}
