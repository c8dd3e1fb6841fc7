package accounts

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a@example.com", "a@example.com"},
		{"  Jane.Doe+tv@Example.COM\n", "jane.doe+tv@example.com"},
		{"x@sub.example.co.uk", "x@sub.example.co.uk"},
		{"no-at.example.com", ""},
		{"@example.com", ""},
		{"a@", ""},
		{"a@localhost", ""},
		{"a@b@example.com", ""},
		{"a b@example.com", ""},
		{"a@exa mple.com", ""},
		{".a@example.com", ""},
		{"a..b@example.com", ""},
		{"a@-example.com", ""},
		{"a@example..com", ""},
		{"<a>@example.com", ""},
		{strings.Repeat("a", 65) + "@example.com", ""},
		{"a@" + strings.Repeat("b", 250) + ".com", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := NormalizeEmail(c.in)
			if c.want == "" {
				if !errors.Is(err, ErrInvalidEmail) {
					t.Fatalf("accepted as %q", got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("%q %v", got, err)
			}
		})
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"a@example.com", " Jane@Example.COM ", "a@b", "a..b@c.d", "\x00@a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeEmail(in)
		if err != nil {
			return
		}
		if again, err := NormalizeEmail(out); err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q %v", in, out, again, err)
		}
		if strings.Count(out, "@") != 1 || len(out) > 254 || strings.ContainsAny(out, " \t\r\n") {
			t.Fatalf("accepted %q", out)
		}
	})
}

func TestPasswordRulesAndHash(t *testing.T) {
	for _, c := range []struct {
		p  string
		ok bool
	}{
		{"1234567", false}, {"12345679", true}, {strings.Repeat("é", 128), true}, {strings.Repeat("x", 129), false},
		{"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", false},
		{"12345678", false}, {"Password1", false}, {"QWERTYUIOP", false}, {"correct horse", true},
		// NFKC: 7 full-width digits and a ligature that expands to two letters.
		{"１２３４５６７", false}, {"１２３４５６ﬀ", true},
		// 128 composed characters stay 128 after NFKC; decomposed input is composed first.
		{strings.Repeat("e\u0301", 128), true},
	} {
		if err := CheckPasswordRules(c.p); (err == nil) != c.ok {
			t.Errorf("%q: %v", c.p, err)
		}
	}
	h, err := HashPassword("correct horse")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("%q %v", h, err)
	}
	if ok, err := CheckPassword(h, "correct horse"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := CheckPassword(h, "correct horsE"); ok {
		t.Fatal("wrong password accepted")
	}
	// The same password typed composed or decomposed hashes alike.
	hc, _ := HashPassword(NormalizePassword("caf\u00e9 au lait"))
	if ok, _ := CheckPassword(hc, NormalizePassword("cafe\u0301 au lait")); !ok {
		t.Fatal("NFKC forms differ")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA", "$argon2id$v=18$m=19456,t=2,p=1$AAAA$AAAA", "$argon2id$v=19$m=0,t=2,p=1$AAAA$AAAA", "$argon2id$v=19$m=19456,t=2,p=1$!!$AAAA", "$argon2id$v=19$m=99999999,t=2,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "$argon2id$v=19$m=19456,t=2,p=1,x=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"} {
		if _, err := CheckPassword(bad, "x"); !errors.Is(err, ErrBadHash) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	h, _ := HashPassword("password")
	f.Add(h)
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$$")
	f.Fuzz(func(t *testing.T, encoded string) {
		p, err := parsePHC(encoded)
		if err != nil {
			if !errors.Is(err, ErrBadHash) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if p.memory > 256<<10 || p.time > 16 || p.threads == 0 || len(p.hash) < 16 {
			t.Fatalf("accepted costly or weak parameters %+v", p)
		}
	})
}

// BenchmarkLogin measures the password check a login costs (Argon2id at
// the stored parameters); run with -cpu 1,2 for single-core and parallel
// logins/s (make bench-auth).
func BenchmarkLogin(b *testing.B) {
	h, err := HashPassword(NormalizePassword("correct horse battery"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, err := CheckPassword(h, NormalizePassword("correct horse battery")); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}
