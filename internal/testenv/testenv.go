// Package testenv gives tests real dependencies: a fresh MariaDB database
// with the schema applied, a Redis client with a key prefix of its own, and
// a local S3 store, each cleaned up when the test ends; and the small
// helpers tests on several tiers share: a goroutine-safe log Buffer, a
// Prometheus Scrape, a health-probe check (CheckHealth) and a request
// whose answer is read whole (Do, Get).
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/internal/s3local"
	"github.com/edgeflix/edgeflix/origin/objstore"
	"github.com/edgeflix/edgeflix/origin/store"
)

// ServerDSN is the MariaDB server tests use, from EDGEFLIX_TEST_MYSQL_DSN or
// root on 127.0.0.1:3306. Its database name is ignored.
func ServerDSN() string {
	if v := os.Getenv("EDGEFLIX_TEST_MYSQL_DSN"); v != "" {
		return v
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// RedisAddr is the Redis server tests use, from EDGEFLIX_TEST_REDIS_ADDR or
// 127.0.0.1:6379.
func RedisAddr() string {
	if v := os.Getenv("EDGEFLIX_TEST_REDIS_ADDR"); v != "" {
		return v
	}
	return "127.0.0.1:6379"
}

// Name returns a short random name, unique enough for databases and key
// prefixes of concurrent test runs.
func Name(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// MySQL creates a fresh database, applies every migration and drops the
// database when the test ends. It returns the open handle and its DSN.
func MySQL(t testing.TB) (*sql.DB, string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := mysql.ParseDSN(ServerDSN())
	if err != nil {
		t.Fatalf("testenv: dsn: %v", err)
	}
	cfg.DBName = Name("edgeflix_test_")
	dsn := cfg.FormatDSN()
	if err := store.EnsureDatabase(ctx, dsn); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		db.ExecContext(context.Background(), "DROP DATABASE `"+cfg.DBName+"`")
		db.Close()
	})
	if err := store.Migrate(ctx, db); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return db, dsn
}

// Redis returns a client for the test Redis and a key prefix no other test
// uses; keys under the prefix are deleted when the test ends.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: RedisAddr(), DialTimeout: time.Second})
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("testenv: redis at %s: %v", RedisAddr(), err)
	}
	prefix := Name("edgeflix-test-") + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return rdb, prefix
}

// S3 starts a local S3 store in a temporary folder with the bucket created,
// stopped when the test ends.
func S3(t testing.TB) *objstore.Store {
	t.Helper()
	srv, err := s3local.Start(t.TempDir(), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	st, err := objstore.New(context.Background(), objstore.Config{
		Bucket: "edgeflix-test", Endpoint: srv.Endpoint(),
		AccessKeyID: s3local.AccessKeyID, SecretAccessKey: s3local.SecretAccessKey,
	})
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if err := st.EnsureBucket(context.Background()); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return st
}
