package edge

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestStreamsUncacheableAndOversize serves bodies the cache will not keep,
// an uncacheable one and a cacheable one over the object limit, from an
// origin that holds back its second half: the viewer must get the first
// bytes while the origin is still sending (the edge streams, it does not
// buffer whole bodies), the whole body in the end, and the next request
// must go to the origin again (nothing was cached).
func TestStreamsUncacheableAndOversize(t *testing.T) {
	body := strings.Repeat("0123456789abcdef", 16<<10) // 256 KiB
	files := map[string]string{"live.bin": "no-store", "huge.m4s": "public, max-age=60"}
	objects := map[string]object{}
	gates := map[string]chan struct{}{}
	for f, cc := range files {
		objects["/v1/media/a/720p/"+f] = object{body, cc}
		gates["/v1/media/a/720p/"+f] = make(chan struct{})
	}
	o := newCountingOrigin(t, objects)
	o.gates = gates
	_, edge := startCachingEdge(t, o, newTestClock(), func(c *Config) { c.CacheObjectBytes = 64 << 10 })
	for f := range files {
		t.Run(f, func(t *testing.T) {
			url := edge + "/t/" + deviceToken(t, "/v1/media/a/", desktop) + "/v1/media/a/720p/" + f
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("X-Cache") != "MISS" {
				t.Fatalf("status %d, X-Cache %q", resp.StatusCode, resp.Header.Get("X-Cache"))
			}
			first := make(chan []byte, 1)
			go func() {
				b := make([]byte, 4096)
				n, _ := io.ReadFull(resp.Body, b)
				first <- b[:n]
			}()
			var head []byte
			select {
			case head = <-first:
			case <-time.After(20 * time.Second):
				close(gates["/v1/media/a/720p/"+f])
				t.Fatal("no byte reached the viewer while the origin was still sending: the edge buffered the body")
			}
			close(gates["/v1/media/a/720p/"+f])
			rest, err := io.ReadAll(resp.Body)
			if err != nil || string(head)+string(rest) != body {
				t.Fatalf("body: %d+%d bytes, %v", len(head), len(rest), err)
			}
			resp2, body2 := get(t, url, nil)
			if resp2.StatusCode != 200 || body2 != body || resp2.Header.Get("X-Cache") != "MISS" {
				t.Fatalf("second request: %d, %d bytes, X-Cache %q", resp2.StatusCode, len(body2), resp2.Header.Get("X-Cache"))
			}
			if n := o.count("/v1/media/a/720p/" + f); n != 2 {
				t.Fatalf("origin fetches %d, want 2 (not cached)", n)
			}
		})
	}
}
