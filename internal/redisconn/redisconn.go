// Package redisconn builds edgeflix's Redis clients, one set of options for
// every command: they fail fast, because Redis holds only short-lived
// state and a hung server must not hang requests, and they read
// ElastiCache's AUTH token and TLS switch from the environment.
package redisconn

import (
	"crypto/tls"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options returns the client options for the server at addr (host:port).
// EDGEFLIX_REDIS_PASSWORD (an AUTH token, never a flag) and
// EDGEFLIX_REDIS_TLS=true configure encrypted, authenticated connections,
// with addr's host as the TLS server name.
func Options(addr string) *redis.Options {
	opts := &redis.Options{
		Addr: addr, DialTimeout: time.Second, ReadTimeout: 250 * time.Millisecond,
		WriteTimeout: 250 * time.Millisecond, MaxRetries: 1,
		Password: os.Getenv("EDGEFLIX_REDIS_PASSWORD"),
	}
	if tlsOn, _ := strconv.ParseBool(os.Getenv("EDGEFLIX_REDIS_TLS")); tlsOn {
		host, _, _ := net.SplitHostPort(addr)
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	}
	return opts
}

// New returns a client with Options(addr).
func New(addr string) *redis.Client { return redis.NewClient(Options(addr)) }
