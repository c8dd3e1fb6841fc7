// Package names checks the display names people give to profiles and
// devices.
package names

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean trims name and reports whether what is left is 1..maxLen
// characters of valid UTF-8 with no control or line-separator characters.
func Clean(name string, maxLen int) (string, bool) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxLen {
		return "", false
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", false
		}
	}
	return name, true
}
