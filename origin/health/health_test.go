package health

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// TestReady: each check's outcome is named, and any check that fails or
// outlasts its timeout makes the answer 503; a check slower than others
// but within its timeout is ok.
func TestReady(t *testing.T) {
	ok := func(context.Context) error { return nil }
	slowOK := func(ctx context.Context) error {
		select {
		case <-time.After(50 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	hangs := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	refused := func(context.Context) error { return errors.New("connection refused") }
	for _, tc := range []struct {
		name   string
		checks []Check
		status int
		want   map[string]string
	}{
		{"all answer", []Check{{"db", time.Second, ok}, {"redis", time.Second, ok}}, 200,
			map[string]string{"db": "ok", "redis": "ok"}},
		{"slow within its timeout", []Check{{"db", 30 * time.Second, slowOK}, {"redis", time.Second, ok}}, 200,
			map[string]string{"db": "ok", "redis": "ok"}},
		{"one fails", []Check{{"db", time.Second, ok}, {"redis", time.Second, refused}}, 503,
			map[string]string{"db": "ok", "redis": "failed"}},
		{"one outlasts its timeout", []Check{{"db", 20 * time.Millisecond, hangs}, {"redis", time.Second, ok}}, 503,
			map[string]string{"db": "timeout", "redis": "ok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			Ready(slog.New(slog.DiscardHandler), tc.checks...)(&ctx)
			var a Answer
			if err := json.Unmarshal(ctx.Response.Body(), &a); err != nil {
				t.Fatal(err)
			}
			wantStatus := map[int]string{200: "ok", 503: "unavailable"}[tc.status]
			if ctx.Response.StatusCode() != tc.status || a.Status != wantStatus || !maps.Equal(a.Checks, tc.want) {
				t.Fatalf("%d %+v, want %d %s %v", ctx.Response.StatusCode(), a, tc.status, wantStatus, tc.want)
			}
			if cc := string(ctx.Response.Header.Peek("Cache-Control")); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
}
