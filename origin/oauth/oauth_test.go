package oauth

import (
	"errors"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestNormalizeUserCode(t *testing.T) {
	cases := []struct{ in, want string }{
		{"BCDF-GHJK", "BCDFGHJK"},
		{"bcdf ghjk", "BCDFGHJK"},
		{"bcdfghjk", "BCDFGHJK"},
		{" B-C-D-F-G-H-J-K ", "BCDFGHJK"},
		{"BCDF-GHJ", ""},
		{"BCDF-GHJKL", ""},
		{"AEIO-UBCD", ""},
		{"BCDF-GHJ1", ""},
		{"ВCDF-GHJK", ""}, // Cyrillic В
		{strings.Repeat("-", 40), ""},
		{"", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := NormalizeUserCode(c.in)
			if c.want == "" {
				if !errors.Is(err, ErrBadUserCode) {
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

func FuzzNormalizeUserCode(f *testing.F) {
	for _, s := range []string{"BCDF-GHJK", "bcdf ghjk", "AAAA-AAAA", "ВCDF-GHJK", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeUserCode(in)
		if err != nil {
			return
		}
		if len(out) != UserCodeLen || strings.Trim(out, UserCodeAlphabet) != "" {
			t.Fatalf("accepted %q as %q", in, out)
		}
		if again, err := NormalizeUserCode(FormatUserCode(out)); err != nil || again != out {
			t.Fatalf("format round trip: %q %v", again, err)
		}
	})
}

func TestNewUserCode(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		c := newUserCode()
		if n, err := NormalizeUserCode(FormatUserCode(c)); err != nil || n != c {
			t.Fatalf("%q: %v", c, err)
		}
		seen[c] = true
		for _, r := range c {
			counts[r]++
		}
	}
	if len(seen) < 1999 {
		t.Fatalf("only %d distinct codes in 2000", len(seen))
	}
	// 16000 characters over 20 letters: about 800 each.
	for r, n := range counts {
		if n < 600 || n > 1000 {
			t.Errorf("%c drawn %d times", r, n)
		}
	}
	if len(counts) != len(UserCodeAlphabet) {
		t.Errorf("%d letters used", len(counts))
	}
}

// FuzzAuthorizeRequest decodes authorization requests from form bodies
// (as the login form posts them) and checks what check accepts.
func FuzzAuthorizeRequest(f *testing.F) {
	good := "response_type=code&client_id=edgeflix-web&redirect_uri=http%3A%2F%2Fo.test%2Fapp%2Fcallback&code_challenge=" +
		strings.Repeat("a", 43) + "&code_challenge_method=S256&state=xyz&device_class=tv&device_name=Living+room"
	f.Add(good)
	f.Add(strings.Replace(good, "S256", "plain", 1))
	f.Add("client_id=evil&redirect_uri=https%3A%2F%2Fevil")
	f.Add("response_type=code&response_type=token")
	f.Add(good + "&device_class=fridge")
	s := &Server{clients: map[string]Client{WebClientID: {ID: WebClientID, RedirectURIs: []string{"http://o.test/app/callback"}}}}
	f.Fuzz(func(t *testing.T, body string) {
		var a fasthttp.Args
		a.Parse(body)
		r := argsOf(&a)
		clientOK, aerr := s.check(r)
		if !clientOK {
			if r.ClientID == WebClientID && r.RedirectURI == "http://o.test/app/callback" {
				t.Fatalf("registered client refused: %+v", r)
			}
			return
		}
		if aerr.code != "" {
			return
		}
		if r.ResponseType != "code" || r.CodeChallengeMethod != "S256" || !validChallenge(r.CodeChallenge) || len(r.State) > 1024 ||
			(r.DeviceClass != "" && r.DeviceClass != "phone" && r.DeviceClass != "tablet" && r.DeviceClass != "desktop" && r.DeviceClass != "tv") {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func TestCSRFBinding(t *testing.T) {
	s := &Server{csrfKey: []byte("k"), cfg: Config{PublicURL: "http://o.test"}}
	r := AuthorizeRequest{ClientID: "c", RedirectURI: "u", CodeChallenge: "x", State: "s"}
	a := s.csrfMAC("cookie", r)
	for name, other := range map[string]string{
		"other cookie": s.csrfMAC("cookie2", r),
		"other state":  s.csrfMAC("cookie", AuthorizeRequest{ClientID: "c", RedirectURI: "u", CodeChallenge: "x", State: "t"}),
		// Fields are separated: moving a byte between them changes the MAC.
		"shifted": s.csrfMAC("cookie", AuthorizeRequest{ClientID: "cu", RedirectURI: "", CodeChallenge: "x", State: "s"}),
	} {
		if other == a {
			t.Errorf("%s: same MAC", name)
		}
	}
	if s.origin() != "http://o.test" {
		t.Fatal(s.origin())
	}
	s.cfg.PublicURL = "https://o.test:8443/base"
	if s.origin() != "https://o.test:8443" {
		t.Fatal(s.origin())
	}
}
