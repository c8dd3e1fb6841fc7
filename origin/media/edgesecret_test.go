package media

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/testenv"
)

func TestEdgeSecret(t *testing.T) {
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
	}
	for k, v := range objects {
		if _, err := st.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(st.Bucket), Key: aws.String(k), Body: bytes.NewReader([]byte(v))}); err != nil {
			t.Fatal(err)
		}
	}
	const secret = "0123456789abcdef0123456789abcdef-edge"
	serve := func(t *testing.T, secret string) string {
		h := &Handler{Store: st, EdgeSecret: secret}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &fasthttp.Server{Handler: h.ServeHTTP}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Shutdown() })
		return "http://" + ln.Addr().String()
	}
	withSecret, without := serve(t, secret), serve(t, "")
	for _, tc := range []struct {
		name   string
		base   string
		method string
		path   string
		header []string // values of contract.OriginVerifyHeader; nil sends none
		want   int
	}{
		{"no secret configured, no header", without, "GET", "/v1/media/a1/master.m3u8", nil, 200},
		{"missing header", withSecret, "GET", "/v1/media/a1/master.m3u8", nil, 403},
		{"missing header on a segment", withSecret, "GET", "/v1/media/a1/720p/seg_00001.m4s", nil, 403},
		{"missing header on HEAD", withSecret, "HEAD", "/v1/media/a1/720p/init.mp4", nil, 403},
		{"missing header on subtitles", withSecret, "GET", "/v1/media/a1/subs/en.vtt", nil, 403},
		{"wrong secret", withSecret, "GET", "/v1/media/a1/master.m3u8", []string{"wrong"}, 403},
		{"empty secret", withSecret, "GET", "/v1/media/a1/master.m3u8", []string{""}, 403},
		{"secret prefix", withSecret, "GET", "/v1/media/a1/master.m3u8", []string{secret[:len(secret)-1]}, 403},
		{"secret plus suffix", withSecret, "GET", "/v1/media/a1/master.m3u8", []string{secret + "x"}, 403},
		{"image-like name of a playlist", withSecret, "GET", "/v1/media/a1/not-an-image.jpg.m3u8", nil, 403},
		{"right secret", withSecret, "GET", "/v1/media/a1/master.m3u8", []string{secret}, 200},
		{"right secret on a segment", withSecret, "GET", "/v1/media/a1/720p/seg_00001.m4s", []string{secret}, 200},
		{"right secret on HEAD", withSecret, "HEAD", "/v1/media/a1/720p/init.mp4", []string{secret}, 200},
		{"poster is public artwork", withSecret, "GET", "/v1/media/a1/poster.jpg", nil, 200},
		{"backdrop is public artwork", withSecret, "GET", "/v1/media/a1/art/backdrop.webp", nil, 200},
		{"upper-case extension", withSecret, "GET", "/v1/media/a1/POSTER.JPG", nil, 200},
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
	h := &Handler{EdgeSecret: "0123456789abcdef0123456789abcdef"}
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.Set(contract.OriginVerifyHeader, h.EdgeSecret)
	b.ReportAllocs()
	for b.Loop() {
		if !h.edgeAllowed(&ctx, "720p/seg_00001.m4s") {
			b.Fatal("refused")
		}
	}
}
