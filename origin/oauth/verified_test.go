package oauth

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/origin/tokens"
)

func TestVerifiedCacheLifetime(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	cases := []struct {
		name string
		exp  time.Duration // token exp after t0
		at   time.Duration // lookup time after t0
		hit  bool
	}{
		{"fresh", time.Hour, 0, true},
		{"within the ttl", time.Hour, VerifiedTTL - time.Millisecond, true},
		{"ttl over", time.Hour, VerifiedTTL, false},
		{"never beyond exp", 3 * time.Second, 3*time.Second - time.Millisecond, true},
		{"exp reached", 3 * time.Second, 3 * time.Second, false},
		{"already expired is not kept", 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v verifiedCache
			k := sha256.Sum256([]byte("token " + c.name))
			v.put(k, &tokens.AccessClaims{Subject: "1", ExpiresAt: jwt.NewNumericDate(t0.Add(c.exp))}, t0)
			if _, ok := v.get(k, t0.Add(c.at)); ok != c.hit {
				t.Fatalf("hit = %v, want %v", ok, c.hit)
			}
			if _, ok := v.get(sha256.Sum256([]byte("other")), t0); ok {
				t.Fatal("unknown token hit")
			}
		})
	}
}

func TestVerifiedCacheBounded(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	var v verifiedCache
	key := func(i int) [32]byte { return sha256.Sum256(fmt.Appendf(nil, "tok-%d", i)) }
	claims := &tokens.AccessClaims{ExpiresAt: jwt.NewNumericDate(t0.Add(time.Hour))}
	for i := range 3 * MaxVerified {
		v.put(key(i), claims, t0)
		if i%100 == 0 {
			v.get(key(0), t0) // a token in steady use stays
		}
	}
	if n := len(v.cur) + len(v.prev); n > MaxVerified {
		t.Fatalf("%d tokens remembered, bound %d", n, MaxVerified)
	}
	if _, ok := v.get(key(0), t0); !ok {
		t.Fatal("a token in steady use was evicted")
	}
	if _, ok := v.get(key(1), t0); ok {
		t.Fatal("an old unused token is still remembered")
	}
}
