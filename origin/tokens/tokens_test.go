package tokens_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

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
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := is.IssueAccess("42", "edgeflix-web", "catalog playback"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSignPlayback(b *testing.B) {
	is := newIssuer(b, nil)
	now := time.Now()
	c := tokens.PlaybackClaims{Issuer: "edgeflix-origin", Audience: "edgeflix-edge", Subject: "42", SessionID: "s",
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(4 * time.Hour)),
		Prefix: "/v1/media/asset/", Device: tokens.Device{Class: "tv", MaxHeight: 2160, MaxBitrate: 25_000_000, Codecs: []string{"avc1", "mp4a"}}}
	b.ReportAllocs()
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
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := is.VerifyAccess(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
