//go:build linux

package manifest

import (
	"syscall"
	"testing"
)

// atPageEnd returns a copy of b that ends where an inaccessible page
// begins: the word scans read past a line's end within the input (the
// slack) but never past the input itself, and a read past it would fault.
func atPageEnd(t testing.TB, b []byte) []byte {
	page := syscall.Getpagesize()
	n := (len(b) + page - 1) / page * page
	mem, err := syscall.Mmap(-1, 0, n+page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[n:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	c := mem[n-len(b) : n : n]
	copy(c, b)
	return c
}
