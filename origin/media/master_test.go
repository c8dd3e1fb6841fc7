package media

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

const goldenDir = "../../wasm/manifest/testdata"

// serveMedia runs h on loopback and returns its base URL.
func serveMedia(t *testing.T, h *Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: h.ServeHTTP}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown() })
	return "http://" + ln.Addr().String()
}

func putObject(t *testing.T, h *Handler, key string, body []byte) {
	t.Helper()
	if _, err := h.Store.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(h.Store.Bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

// goldenCaps reads the device profiles the manifest golden files were
// rewritten for (their "=== caps: " lines).
func goldenCaps(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, "bipbop.golden"))
	if err != nil {
		t.Fatal(err)
	}
	var caps []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if c, ok := strings.CutPrefix(line, "=== caps: "); ok {
			caps = append(caps, c)
		}
	}
	if len(caps) == 0 {
		t.Fatal("no caps in bipbop.golden")
	}
	return caps
}

// TestMasterRewriteMatchesModule puts every manifest golden input in S3 as
// a master and asks the origin for it over HTTP with every golden device's
// caps (and a stored object that is no playlist): the origin's answer must be the edge module's (run by fnhost) for
// the same input (and rewriting the origin's answer again, as the edge
// does, changes nothing) — the rewritten bytes, the unchanged bytes for a media
// playlist, 422 when nothing is playable, 502 for an invalid master.
func TestMasterRewriteMatchesModule(t *testing.T) {
	host, err := fnhost.New(context.Background(), fnhost.Options{Module: wasmbuild.Edge(t), PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = host.Close(context.Background()) })
	h := &Handler{Store: testenv.S3(t)}
	base := serveMedia(t, h)
	inputs, err := filepath.Glob(filepath.Join(goldenDir, "*.m3u8"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	masters := map[string][]byte{"not-hls": []byte("<html>not a playlist</html>\n")}
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		masters[strings.ReplaceAll(strings.TrimSuffix(filepath.Base(in), ".m3u8"), "_", "-")] = b
	}
	capsList := goldenCaps(t)
	seen := map[int]bool{}
	for name, master := range masters {
		putObject(t, h, "media/"+name+"/master.m3u8", master)
		for _, caps := range capsList {
			t.Run(name+"/"+caps, func(t *testing.T) {
				want, werr := host.Rewrite(context.Background(), master, caps)
				wantStatus := http.StatusOK
				switch {
				case werr == nil:
				case errors.Is(werr, manifest.ErrNotMaster):
					want = master
				case errors.Is(werr, manifest.ErrNothingPlayable):
					wantStatus = http.StatusUnprocessableEntity
				case errors.Is(werr, manifest.ErrInvalid):
					wantStatus = http.StatusBadGateway
				default:
					t.Fatalf("module: %v", werr)
				}
				seen[wantStatus] = true
				resp, body := testenv.Get(t, base+Prefix+name+"/master.m3u8", map[string]string{contract.CapsHeader: caps})
				if resp.StatusCode != wantStatus {
					t.Fatalf("status %d, module says %d (%v): %s", resp.StatusCode, wantStatus, werr, body)
				}
				if got := resp.Header.Get("Vary"); got != contract.CapsHeader {
					t.Errorf("Vary %q", got)
				}
				if wantStatus != http.StatusOK {
					if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
						t.Errorf("Cache-Control %q on %d", cc, wantStatus)
					}
					return
				}
				if !bytes.Equal(body, want) {
					t.Fatalf("origin's rewrite differs from the module's:\n%s\n--- module:\n%s", body, want)
				}
				// The edge rewrites what the origin sends: that second pass
				// must change nothing.
				if again, err := host.Rewrite(context.Background(), body, caps); err != nil && !errors.Is(err, manifest.ErrNotMaster) || err == nil && !bytes.Equal(again, body) {
					t.Fatalf("the module's rewrite of the origin's answer is not the same (%v):\n%s", err, again)
				}
				if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); ct != ContentType("master.m3u8") || cc != CacheControl("master.m3u8") {
					t.Errorf("Content-Type %q Cache-Control %q", ct, cc)
				}
				// HEAD answers the same length; If-None-Match with the
				// rewrite's ETag is a 304.
				hr, _ := testenv.Do(t, http.MethodHead, base+Prefix+name+"/master.m3u8", map[string]string{contract.CapsHeader: caps})
				if hr.StatusCode != http.StatusOK || hr.ContentLength != int64(len(want)) || hr.Header.Get("ETag") != resp.Header.Get("ETag") {
					t.Errorf("HEAD %d length %d etag %q, GET etag %q", hr.StatusCode, hr.ContentLength, hr.Header.Get("ETag"), resp.Header.Get("ETag"))
				}
				nr, _ := testenv.Get(t, base+Prefix+name+"/master.m3u8", map[string]string{contract.CapsHeader: caps, "If-None-Match": resp.Header.Get("ETag")})
				if nr.StatusCode != http.StatusNotModified {
					t.Errorf("If-None-Match: status %d", nr.StatusCode)
				}
			})
		}
	}
	for _, st := range []int{http.StatusOK, http.StatusUnprocessableEntity, http.StatusBadGateway} {
		if !seen[st] {
			t.Errorf("the golden corpus never produced %d", st)
		}
	}
}

// TestMasterWithoutCapsUnchanged: without the caps header the master is
// the stored object as before (range requests included), with Vary naming
// the header; other files get no Vary.
func TestMasterWithoutCapsUnchanged(t *testing.T) {
	h := &Handler{Store: testenv.S3(t)}
	base := serveMedia(t, h)
	master, err := os.ReadFile(filepath.Join(goldenDir, "ladder8.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	putObject(t, h, "media/a/master.m3u8", master)
	putObject(t, h, "media/a/720p/index.m3u8", master)
	resp, body := testenv.Get(t, base+Prefix+"a/master.m3u8", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, master) || resp.Header.Get("Vary") != contract.CapsHeader {
		t.Fatalf("status %d vary %q body equal %v", resp.StatusCode, resp.Header.Get("Vary"), bytes.Equal(body, master))
	}
	resp, body = testenv.Get(t, base+Prefix+"a/master.m3u8", map[string]string{"Range": "bytes=0-6"})
	if resp.StatusCode != http.StatusPartialContent || string(body) != "#EXTM3U" {
		t.Fatalf("range: %d %q", resp.StatusCode, body)
	}
	// Only masters are rewritten: a media playlist path with caps is the object.
	resp, body = testenv.Get(t, base+Prefix+"a/720p/index.m3u8", map[string]string{contract.CapsHeader: goldenCaps(t)[0]})
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, master) || resp.Header.Get("Vary") != "" {
		t.Fatalf("media playlist: %d vary %q", resp.StatusCode, resp.Header.Get("Vary"))
	}
}

// TestMasterBadCaps: a caps header that does not parse is a 400 before
// storage is read (the asset does not even exist); a missing master with
// good caps is the plain 404.
func TestMasterBadCaps(t *testing.T) {
	h := &Handler{Store: testenv.S3(t)}
	base := serveMedia(t, h)
	for _, caps := range []string{"cls=phone;mh=1;mbr=1;cdc=avc1;hdr=2", "cls=phone", "garbage", "cls=phone;mh=-1;mbr=1;cdc=avc1;hdr=0"} {
		resp, body := testenv.Get(t, base+Prefix+"missing/master.m3u8", map[string]string{contract.CapsHeader: caps})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "invalid-caps") {
			t.Errorf("%q: %d %s", caps, resp.StatusCode, body)
		}
	}
	resp, _ := testenv.Get(t, base+Prefix+"missing/master.m3u8", map[string]string{contract.CapsHeader: goldenCaps(t)[0]})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing master: %d", resp.StatusCode)
	}
}
