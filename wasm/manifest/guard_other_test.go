//go:build !linux

package manifest

import "testing"

// atPageEnd is b itself where no guard page is set up (guard_linux_test.go).
func atPageEnd(_ testing.TB, b []byte) []byte { return b }
