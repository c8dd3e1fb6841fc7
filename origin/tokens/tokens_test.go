package tokens_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/keys"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

func newIssuer(tb testing.TB, now func() time.Time) *tokens.Issuer {
	tb.Helper()
	db, _ := testenv.MySQL(tb)
	kek := make([]byte, keys.KEKSize)
	rand.Read(kek)
	ks, err := keys.NewStore(db, kek, keys.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := ks.Ensure(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return &tokens.Issuer{Keys: ks, Issuer: "edgeflix-origin", Audience: "edgeflix-api", Now: now}
}

func TestAccessRoundTrip(t *testing.T) {
	now := time.Now()
	is := newIssuer(t, func() time.Time { return now })
	tok, ttl, err := is.IssueAccess("42", "edgeflix-web", "catalog")
	if err != nil || ttl != tokens.AccessTokenLifetime {
		t.Fatal(err)
	}
	c, err := is.VerifyAccess(tok)
	if err != nil || c.Subject != "42" || c.ClientID != "edgeflix-web" || c.Scope != "catalog" || c.ID == "" {
		t.Fatalf("%+v %v", c, err)
	}
	cases := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"within leeway after expiry", now.Add(tokens.AccessTokenLifetime + tokens.Leeway/2), true},
		{"after expiry and leeway", now.Add(tokens.AccessTokenLifetime + tokens.Leeway + time.Second), false},
		{"issued in the future", now.Add(-time.Minute), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			later := &tokens.Issuer{Keys: is.Keys, Issuer: is.Issuer, Audience: is.Audience, Now: func() time.Time { return c.at }}
			_, err := later.VerifyAccess(tok)
			if (err == nil) != c.ok || (err != nil && !errors.Is(err, tokens.ErrInvalidToken)) {
				t.Fatalf("%v", err)
			}
		})
	}
	// A playback-shaped token from the same keys is no access token.
	pb, _ := tokens.Sign(is.Keys, "JWT", tokens.PlaybackClaims{Issuer: "edgeflix-origin", Audience: "edgeflix-api", Subject: "42",
		ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(now)})
	if _, err := is.VerifyAccess(pb); !errors.Is(err, tokens.ErrInvalidToken) {
		t.Fatalf("typ JWT accepted as access token: %v", err)
	}
}

func BenchmarkIssueAccess(b *testing.B) {
	is := newIssuer(b, nil)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := is.IssueAccess("42", "edgeflix-web", "catalog playback"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkSignPlayback(b *testing.B) {
	is := newIssuer(b, nil)
	now := time.Now()
	c := tokens.PlaybackClaims{Issuer: "edgeflix-origin", Audience: "edgeflix-edge", Subject: "42", SessionID: "s",
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(4 * time.Hour)),
		Prefix: "/v1/media/asset/", Device: contract.Caps{Class: "tv", MaxHeight: 2160, MaxBitrate: 25_000_000, Codecs: []string{"avc1", "mp4a"}}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tokens.Sign(is.Keys, "JWT", c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVerifyAccess(b *testing.B) {
	is := newIssuer(b, nil)
	tok, _, err := is.IssueAccess("42", "edgeflix-web", "catalog playback")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := is.VerifyAccess(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// FuzzVerifyAccess feeds mutations of real access tokens to the strict
// verifier: it must never panic, and it may accept only the exact tokens
// it issued (no malleable encodings, no forged signatures).
func FuzzVerifyAccess(f *testing.F) {
	now := time.Now()
	is := newIssuer(f, func() time.Time { return now })
	var issued []string
	for _, g := range []tokens.Grant{
		{Subject: "42", ClientID: "edgeflix-web", Scope: "catalog playback"},
		{Subject: "7", ClientID: "edgeflix-tv", Scope: "catalog", DeviceID: "dev", ProfileID: "3"},
	} {
		tok, _, err := is.Issue(g)
		if err != nil {
			f.Fatal(err)
		}
		issued = append(issued, tok)
		f.Add(tok)
	}
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := is.VerifyAccess(tok)
		if err != nil {
			if !errors.Is(err, tokens.ErrInvalidToken) {
				t.Fatalf("error %v is not ErrInvalidToken", err)
			}
			return
		}
		for _, good := range issued {
			if tok == good {
				return
			}
		}
		t.Fatalf("accepted a token never issued: %q (%+v)", tok, c)
	})
}

func TestIssueCarriesDeviceAndProfile(t *testing.T) {
	now := time.Now()
	is := newIssuer(t, func() time.Time { return now })
	tok, _, err := is.Issue(tokens.Grant{Subject: "7", ClientID: "edgeflix-tv", Scope: "catalog", DeviceID: "dev1", ProfileID: "3"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := is.VerifyAccess(tok)
	if err != nil || c.DeviceID != "dev1" || c.ProfileID != "3" || c.ClientID != "edgeflix-tv" {
		t.Fatalf("%+v %v", c, err)
	}
	plain, _, _ := is.IssueAccess("7", "edgeflix-web", "catalog")
	if c, err := is.VerifyAccess(plain); err != nil || c.DeviceID != "" || c.ProfileID != "" {
		t.Fatalf("%+v %v", c, err)
	}
}

// TestKeyRetirementFitsTokenLifetimes: a key that stopped signing is kept
// (keys.MaxTokenLifetime) until every token it signed has expired at every
// verifier, leeway included, and not much longer: an old key leaves the
// JWKS at most a minute after its last token is dead.
func TestKeyRetirementFitsTokenLifetimes(t *testing.T) {
	edgeLeeway := contract.DefaultLeewaySeconds * time.Second
	longest := time.Duration(0)
	for _, tc := range []struct {
		name             string
		lifetime, leeway time.Duration
	}{
		{"access token at the origin", tokens.AccessTokenLifetime, tokens.Leeway},
		{"playback token at the origin", tokens.PlaybackTokenLifetime, tokens.Leeway},
		{"playback token at the edge", tokens.PlaybackTokenLifetime, edgeLeeway},
	} {
		if d := tc.lifetime + tc.leeway; d > keys.MaxTokenLifetime {
			t.Errorf("%s verifies for %v, longer than keys.MaxTokenLifetime %v: its key could be retired under it", tc.name, d, keys.MaxTokenLifetime)
		} else {
			longest = max(longest, d)
		}
	}
	if slack := keys.MaxTokenLifetime - longest; slack > time.Minute {
		t.Errorf("keys.MaxTokenLifetime %v keeps a key %v after its last token (%v) expired; want at most a minute", keys.MaxTokenLifetime, slack, longest)
	}
}
