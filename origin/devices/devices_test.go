package devices

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/edgeflix/edgeflix/internal/testenv"
)

func TestClassFromUserAgent(t *testing.T) {
	cases := []struct{ ua, class, name string }{
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", ClassPhone, "Safari on iPhone"},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36", ClassPhone, "Chrome on Android"},
		{"Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", ClassTablet, "Chrome on Android"},
		{"Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", ClassTablet, "Safari on iPad"},
		{"Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0 TV Safari/537.36", ClassTV, "Safari on Linux"},
		{"Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0 Safari/537.36", ClassTV, "Chrome on Linux"},
		{"Roku/DVP-9.10 (519.10E04111A)", ClassTV, "TV"},
		{"Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/70.0.3538.110 Mobile Safari/537.36", ClassTV, "Chrome on Android"},
		{"Mozilla/5.0 (Linux; Android 5.1.1; AFTB Build/LVY48F) AppleWebKit/537.36 (KHTML, like Gecko) Silk/86.3.20 like Chrome/86.0.4240.198 Safari/537.36", ClassTV, "Chrome on Android"},
		{"Mozilla/5.0 (Linux; Android 11; AFTKA) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", ClassTV, "Chrome on Android"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 aftermath/2.1", ClassDesktop, "Chrome on Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; aftbuild) Gecko/20100101 Firefox/128.0", ClassDesktop, "Firefox on Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; AFT) Gecko/20100101 Firefox/128.0", ClassDesktop, "Firefox on Windows"},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", ClassDesktop, "Firefox on Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0", ClassDesktop, "Edge on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15", ClassDesktop, "Safari on macOS"},
		{"Go-http-client/1.1", ClassDesktop, "Computer"},
		{"", ClassDesktop, "Computer"},
	}
	for _, c := range cases {
		t.Run(c.ua, func(t *testing.T) {
			cls := ClassFromUserAgent(c.ua)
			if cls != c.class {
				t.Fatalf("class %q, want %q", cls, c.class)
			}
			if n := DefaultName(cls, c.ua); n != c.name {
				t.Fatalf("name %q, want %q", n, c.name)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"  Living room TV ", "Living room TV"},
		{"Ana’s phone 📱", "Ana’s phone 📱"},
		{strings.Repeat("x", 64), strings.Repeat("x", 64)},
		{strings.Repeat("x", 65), ""},
		{"", ""},
		{"   ", ""},
		{"a\x00b", ""},
		{"a\nb", ""},
		{"a\u2028b", ""},
		{"\xff", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := CleanName(c.in)
			if c.want == "" {
				if !errors.Is(err, ErrInvalidName) {
					t.Fatalf("accepted %q", got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("%q %v", got, err)
			}
		})
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"Living room", " TV ", "a\x00", "\u2028", strings.Repeat("é", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := CleanName(in)
		if err != nil {
			return
		}
		if out == "" || !utf8.ValidString(out) || utf8.RuneCountInString(out) > MaxNameLen || strings.TrimSpace(out) != out {
			t.Fatalf("accepted %q", out)
		}
		if again, err := CleanName(out); err != nil || again != out {
			t.Fatalf("not idempotent: %q %v", again, err)
		}
	})
}

func FuzzClassFromUserAgent(f *testing.F) {
	f.Add("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)")
	f.Add("Roku/DVP-9.10")
	f.Fuzz(func(t *testing.T, ua string) {
		cls := ClassFromUserAgent(ua)
		if !ValidClass(cls) {
			t.Fatalf("class %q", cls)
		}
		if n := DefaultName(cls, ua); n == "" {
			t.Fatal("empty default name")
		} else if _, err := CleanName(n); err != nil {
			t.Fatalf("default name %q invalid", n)
		}
	})
}

func TestStore(t *testing.T) {
	db, _ := testenv.MySQL(t)
	ctx := context.Background()
	res, err := db.Exec("INSERT INTO accounts (email, password_hash) VALUES ('d@example.com', 'x')")
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := res.LastInsertId()
	account := strconv.FormatInt(acct, 10)
	s := NewStore(db, nil)
	if _, err := s.Register(ctx, nil, account, "edgeflix-web", "fridge", "", ""); !errors.Is(err, ErrInvalidClass) {
		t.Fatalf("bad class: %v", err)
	}
	d, err := s.Register(ctx, nil, account, "edgeflix-web", ClassPhone, "\x00bad", "Mozilla/5.0 (iPhone)")
	if err != nil || d.Name != "iPhone" || len(d.ID) != 22 {
		t.Fatalf("%+v %v", d, err)
	}
	if pid, err := s.Touch(ctx, db, account, d.ID); err != nil || pid != "" {
		t.Fatalf("touch: %q %v", pid, err)
	}
	if _, err := s.Touch(ctx, db, "999999", d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("touch as another account: %v", err)
	}
	if n, _ := s.Count(ctx, account); n != 1 {
		t.Fatalf("count %d", n)
	}
	if err := s.Revoke(ctx, account, d.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, account, d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second revoke: %v", err)
	}
	if _, err := s.Touch(ctx, db, account, d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("touch revoked: %v", err)
	}
	if _, err := s.Rename(ctx, account, d.ID, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rename revoked: %v", err)
	}
}
