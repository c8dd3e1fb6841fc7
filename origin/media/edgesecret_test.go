package media

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/internal/testenv"
)

// TestEdgeProof: gated media needs the gate's proof for exactly its path;
// X-Origin-Verify is no proof.
func TestEdgeProof(t *testing.T) {
	st := testenv.S3(t)
	objects := map[string]string{
		"media/a1/master.m3u8":           "#EXTM3U\n",
		"media/a1/720p/seg_00001.m4s":    "segment",
		"media/a1/poster.jpg":            "poster",
		"media/a1/art/backdrop.webp":     "backdrop",
		"media/a1/subs/en.vtt":           "WEBVTT\n",
		"media/a1/720p/init.mp4":         "init",
		"media/a1/POSTER.JPG":            "upper",
		"media/a1/not-an-image.jpg.m3u8": "#EXTM3U\n",
		"media/a1/sprite.jpg":            "sprite",
		"media/a1/thumbnails.vtt":        "WEBVTT\n",
	}
	for k, v := range objects {
		if _, err := st.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(st.Bucket), Key: aws.String(k), Body: bytes.NewReader([]byte(v))}); err != nil {
			t.Fatal(err)
		}
	}
	const secret = "0123456789abcdef0123456789abcdef-edge"
	now := time.Unix(1_800_000_000, 0)
	k1 := edgeproof.Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}
	k2 := edgeproof.Key{ID: "k2", Secret: bytes.Repeat([]byte{2}, 32)}
	retired := edgeproof.Key{ID: "k0", Secret: bytes.Repeat([]byte{9}, 32)}
	forged := edgeproof.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}
	proof := func(k edgeproof.Key, p string, ttl time.Duration) string { return edgeproof.Sign(k, p, now.Add(ttl)) }
	serve := func(t *testing.T, secret string, keys ...edgeproof.Key) string {
		h := &Handler{Store: st, EdgeSecret: secret, ProofKeys: keys, Now: func() time.Time { return now }}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &fasthttp.Server{Handler: h.ServeHTTP}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Shutdown() })
		return "http://" + ln.Addr().String()
	}
	withSecret, without, withKeys := serve(t, secret), serve(t, ""), serve(t, secret, k2, k1)
	const master, seg = "/v1/media/a1/master.m3u8", "/v1/media/a1/720p/seg_00001.m4s"
	for _, tc := range []struct {
		name   string
		base   string
		method string
		path   string
		header []string // values of contract.OriginVerifyHeader; nil sends none
		want   int
		proof  string // contract.ProofHeader; empty sends none
	}{
		{"proof for the path", withKeys, "GET", master, nil, 200, proof(k1, master, time.Minute)},
		{"proof under the newer key", withKeys, "GET", seg, nil, 200, proof(k2, seg, time.Minute)},
		{"proof on HEAD", withKeys, "HEAD", "/v1/media/a1/720p/init.mp4", nil, 200, proof(k1, "/v1/media/a1/720p/init.mp4", time.Minute)},
		{"no proof", withKeys, "GET", master, nil, 403, ""},
		{"X-Origin-Verify alone is no proof", withKeys, "GET", master, []string{secret}, 403, ""},
		{"X-Origin-Verify without keys is no proof", withSecret, "GET", seg, []string{secret}, 403, ""},
		{"proof for another path", withKeys, "GET", seg, nil, 403, proof(k1, master, time.Minute)},
		{"proof for another asset", withKeys, "GET", master, nil, 403, proof(k1, "/v1/media/a2/master.m3u8", time.Minute)},
		{"expired proof", withKeys, "GET", master, nil, 403, proof(k1, master, 0)},
		{"proof too far ahead", withKeys, "GET", master, nil, 403, proof(k1, master, time.Hour)},
		{"forged proof", withKeys, "GET", master, nil, 403, proof(forged, master, time.Minute)},
		{"retired key", withKeys, "GET", master, nil, 403, proof(retired, master, time.Minute)},
		{"truncated proof", withKeys, "GET", master, nil, 403, proof(k1, master, time.Minute)[:55]},
		{"sprite needs a proof", withKeys, "GET", "/v1/media/a1/sprite.jpg", nil, 403, ""},
		{"thumbnails need a proof", withKeys, "GET", "/v1/media/a1/thumbnails.vtt", nil, 403, ""},
		{"sprite with a proof", withKeys, "GET", "/v1/media/a1/sprite.jpg", nil, 200, proof(k1, "/v1/media/a1/sprite.jpg", time.Minute)},
		{"poster without a proof", withKeys, "GET", "/v1/media/a1/poster.jpg", nil, 200, ""},
		{"no secret configured, no header", without, "GET", "/v1/media/a1/master.m3u8", nil, 200, ""},
		{"missing header", withSecret, "GET", "/v1/media/a1/master.m3u8", nil, 403, ""},
		{"missing header on a segment", withSecret, "GET", "/v1/media/a1/720p/seg_00001.m4s", nil, 403, ""},
		{"missing header on HEAD", withSecret, "HEAD", "/v1/media/a1/720p/init.mp4", nil, 403, ""},
		{"missing header on subtitles", withSecret, "GET", "/v1/media/a1/subs/en.vtt", nil, 403, ""},
		{"wrong secret", withSecret, "GET", "/v1/media/a1/master.m3u8", []string{"wrong"}, 403, ""},
		{"empty secret", withSecret, "GET", "/v1/media/a1/master.m3u8", []string{""}, 403, ""},
		{"secret prefix", withSecret, "GET", "/v1/media/a1/master.m3u8", []string{secret[:len(secret)-1]}, 403, ""},
		{"secret plus suffix", withSecret, "GET", "/v1/media/a1/master.m3u8", []string{secret + "x"}, 403, ""},
		{"image-like name of a playlist", withSecret, "GET", "/v1/media/a1/not-an-image.jpg.m3u8", nil, 403, ""},
		{"right secret is no proof", withSecret, "GET", "/v1/media/a1/master.m3u8", []string{secret}, 403, ""},
		{"right secret on HEAD is no proof", withSecret, "HEAD", "/v1/media/a1/720p/init.mp4", []string{secret}, 403, ""},
		{"poster is public artwork", withSecret, "GET", "/v1/media/a1/poster.jpg", nil, 200, ""},
		{"backdrop is public artwork", withSecret, "GET", "/v1/media/a1/art/backdrop.webp", nil, 200, ""},
		{"upper-case extension", withSecret, "GET", "/v1/media/a1/POSTER.JPG", nil, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(tc.base + tc.path)
			req.Header.SetMethod(tc.method)
			for _, v := range tc.header {
				req.Header.Set(contract.OriginVerifyHeader, v)
			}
			if tc.proof != "" {
				req.Header.Set(contract.ProofHeader, tc.proof)
			}
			if tc.method == "HEAD" {
				resp.SkipBody = true
			}
			if err := fasthttp.Do(req, resp); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode() != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode(), tc.want, resp.Body())
			}
			if tc.want == 403 && tc.method == "GET" {
				if ct := string(resp.Header.ContentType()); ct != "application/problem+json" {
					t.Fatalf("content type %q", ct)
				}
				var p struct {
					Status int    `json:"status"`
					Type   string `json:"type"`
				}
				if err := json.Unmarshal(resp.Body(), &p); err != nil || p.Status != 403 {
					t.Fatalf("problem %s: %v", resp.Body(), err)
				}
				if bytes.Contains(resp.Body(), []byte(secret)) {
					t.Fatal("the secret leaked into the answer")
				}
			}
		})
	}
}

func BenchmarkEdgeAllowed(b *testing.B) {
	k := edgeproof.Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}
	h := &Handler{ProofKeys: []edgeproof.Key{k}}
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/v1/media/a1/720p/seg_00001.m4s")
	ctx.Request.Header.Set(contract.ProofHeader, edgeproof.Sign(k, "/v1/media/a1/720p/seg_00001.m4s", time.Now().Add(time.Minute)))
	b.ReportAllocs()
	for b.Loop() {
		if !h.edgeAllowed(&ctx, "720p/seg_00001.m4s") {
			b.Fatal("refused")
		}
	}
}
