// Package hexdigit holds the hexadecimal digits percent-encoding writes
// and reads, shared by the player's URL code (player/uri) and the CMCD
// codec (internal/cmcd). It imports nothing: the player's module size is
// a budget (player/browsertest.TestModuleSize).
package hexdigit

// Upper are the digits by value, uppercase as RFC 3986 §2.1 asks of
// percent-encoding producers.
const Upper = "0123456789ABCDEF"

// Decode returns the byte whose hexadecimal digits (either case) are hi
// and lo, and false if either is not a digit.
func Decode(hi, lo byte) (byte, bool) {
	h, ok1 := value(hi)
	l, ok2 := value(lo)
	return h<<4 | l, ok1 && ok2
}

func value(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
