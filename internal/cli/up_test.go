package cli

import (
	"slices"
	"testing"
)

func TestNextAddrs(t *testing.T) {
	for _, c := range []struct {
		addr string
		n    int
		want []string
		ok   bool
	}{
		{"127.0.0.1:8081", 1, []string{"127.0.0.1:8082"}, true},
		{"127.0.0.1:8081", 0, nil, true},
		{"[::1]:8081", 2, []string{"[::1]:8082", "[::1]:8083"}, true},
		{"127.0.0.1:0", 1, []string{"127.0.0.1:0"}, true},
		{"127.0.0.1:65535", 1, nil, false},
		{"127.0.0.1", 1, nil, false},
		{"127.0.0.1:8081", -1, nil, false},
	} {
		got, err := nextAddrs(c.addr, c.n)
		if (err == nil) != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("nextAddrs(%q, %d) = %q, %v", c.addr, c.n, got, err)
		}
	}
}
