package edge

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/internal/testenv"
	originmedia "github.com/edgeflix/edgeflix/origin/media"
)

// TestOriginProof puts the edge in front of the origin's real media
// handler (S3-backed) that demands the gate's proof for each path: the
// edge signs its origin requests with its first proof key; the API's
// blanket secret alone opens nothing.
func TestOriginProof(t *testing.T) {
	st := testenv.S3(t)
	for k, v := range map[string]string{
		"media/s1/master.m3u8":        ladder,
		"media/s1/720p/index.m3u8":    mediaPlaylist,
		"media/s1/720p/seg_00001.m4s": "segment-bytes-0123456789",
	} {
		if _, err := st.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(st.Bucket), Key: aws.String(k), Body: bytes.NewReader([]byte(v))}); err != nil {
			t.Fatal(err)
		}
	}
	const secret = "edge-secret-0123456789abcdef0123456789"
	clk := newTestClock()
	k1 := edgeproof.Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}
	k2 := edgeproof.Key{ID: "k2", Secret: bytes.Repeat([]byte{2}, 32)}
	forged := edgeproof.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}
	mh := &originmedia.Handler{Store: st, EdgeSecret: secret, ProofKeys: []edgeproof.Key{k2, k1}, Now: clk.Now}
	x := base64.RawURLEncoding.EncodeToString(keyA.Public().(ed25519.PublicKey))
	jwks := fmt.Sprintf(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"%s"}]}`, x)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	osrv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		if string(ctx.Path()) == "/.well-known/jwks.json" {
			if len(ctx.Request.Header.Peek(contract.OriginVerifyHeader)) > 0 {
				ctx.Error("secret sent to the key set URL", fasthttp.StatusBadRequest)
				return
			}
			ctx.SetContentType("application/json")
			ctx.SetBodyString(jwks)
			return
		}
		mh.ServeHTTP(ctx)
	}}
	go osrv.Serve(ln)
	t.Cleanup(func() { osrv.Shutdown() })
	o := &countingOrigin{url: "http://" + ln.Addr().String()}

	tok := deviceToken(t, "/v1/media/s1/", desktop)
	for _, tc := range []struct {
		name   string
		secret string
		keys   []edgeproof.Key
		path   string
		rng    string
		want   int
	}{
		{"no proof key: master refused", "", nil, "/v1/media/s1/master.m3u8", "", 403},
		{"no proof key: segment refused", "", nil, "/v1/media/s1/720p/seg_00001.m4s", "", 403},
		{"secret alone: segment refused", secret, nil, "/v1/media/s1/720p/seg_00001.m4s", "", 403},
		{"forged key: segment refused", "", []edgeproof.Key{forged}, "/v1/media/s1/720p/seg_00001.m4s", "", 403},
		{"forged key: range refused", "", []edgeproof.Key{forged}, "/v1/media/s1/720p/seg_00001.m4s", "bytes=0-3", 403},
		{"proof: master", "", []edgeproof.Key{k1}, "/v1/media/s1/master.m3u8", "", 200},
		{"proof: media playlist", "", []edgeproof.Key{k1}, "/v1/media/s1/720p/index.m3u8", "", 200},
		{"proof with the next key: segment", secret, []edgeproof.Key{k2, k1}, "/v1/media/s1/720p/seg_00001.m4s", "", 200},
		{"proof: uncached range", "", []edgeproof.Key{k1}, "/v1/media/s1/720p/index.m3u8", "bytes=0-6", 206},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := startCachingEdge(t, o, clk, func(c *Config) { c.OriginSecret, c.ProofKeys = tc.secret, tc.keys })
			h := map[string]string{}
			if tc.rng != "" {
				h["Range"] = tc.rng
			}
			resp, body := get(t, url+"/t/"+tok+tc.path, h)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if bytes.Contains([]byte(body), []byte(secret)) {
				t.Fatal("the secret leaked to the viewer")
			}
		})
	}
}
