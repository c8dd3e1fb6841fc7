package redisconn

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
)

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		name, password, tlsOn string
		wantTLS               bool
	}{
		{"plain", "", "", false},
		{"auth token", "s3cret", "", false},
		{"tls", "", "true", true},
		{"tls off", "", "false", false},
		{"unparsable tls is off", "", "yes please", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("EDGEFLIX_REDIS_PASSWORD", tc.password)
			t.Setenv("EDGEFLIX_REDIS_TLS", tc.tlsOn)
			o := Options("cache.example.internal:6379")
			if o.Addr != "cache.example.internal:6379" || o.Password != tc.password {
				t.Fatalf("addr %q password %q", o.Addr, o.Password)
			}
			if o.ReadTimeout != 250*time.Millisecond || o.WriteTimeout != 250*time.Millisecond || o.MaxRetries != 1 || o.DialTimeout != time.Second {
				t.Fatalf("not fail-fast: %+v", o)
			}
			if got := o.TLSConfig != nil; got != tc.wantTLS {
				t.Fatalf("TLS %v, want %v", got, tc.wantTLS)
			}
			if tc.wantTLS && (o.TLSConfig.ServerName != "cache.example.internal" || o.TLSConfig.MinVersion != tls.VersionTLS12) {
				t.Fatalf("TLS config %+v", o.TLSConfig)
			}
		})
	}
}

// TestNewTalksToRedis: a client from New reaches the real server.
func TestNewTalksToRedis(t *testing.T) {
	t.Setenv("EDGEFLIX_REDIS_PASSWORD", "")
	t.Setenv("EDGEFLIX_REDIS_TLS", "")
	rdb := New(testenv.RedisAddr())
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}
