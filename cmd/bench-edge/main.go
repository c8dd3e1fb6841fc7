// Command bench (make bench-edge) measures edgeflix's edge against
// Debian's nginx in front of the same loopback origin, with wrk: 1 KB and
// 1 MB objects, cache hits and cold misses, the gate on for both (the Wasm
// token gate for edgeflix; nginx's secure_link over the same media prefix
// standing in for it). nginx runs from its own temporary prefix on a
// loopback port and is stopped at the end. It prints a Markdown table.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/md5"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge"
)

const secureLinkSecret = "bench-secret"

func main() {
	duration := flag.Duration("duration", 5*time.Second, "wrk run length per measurement")
	conns := flag.Int("connections", 64, "wrk connections")
	module := flag.String("module", "dist/edge.wasm", "edge module (make wasm)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of edgeflix's edge during its 1 KB hit run to this file")
	flag.Parse()
	if err := run(*duration, *conns, *module, *cpuProfile); err != nil {
		log.Fatal(err)
	}
}

func listen() (net.Listener, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	return ln, ln.Addr().String()
}

func run(duration time.Duration, conns int, modulePath, cpuProfile string) error {
	for _, c := range []string{"wrk", "nginx"} {
		if _, err := exec.LookPath(c); err != nil {
			return fmt.Errorf("%s not found: run EDGEFLIX_BENCH_EDGE=1 scripts/setup.sh", c)
		}
	}
	wasm, err := os.ReadFile(modulePath)
	if err != nil {
		return fmt.Errorf("%w (run make wasm)", err)
	}
	key := ed25519.NewKeyFromSeed([]byte("bench-bench-bench-bench-bench-32"))
	originLn, originAddr := listen()
	go http.Serve(originLn, originHandler(key))

	// edgeflix's edge, gate on.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := edge.New(ctx, edge.Config{
		OriginURL: "http://" + originAddr, Module: wasm,
		CacheBytes: 1 << 30, CacheObjectBytes: 4 << 20,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	edgeLn, edgeAddr := listen()
	go srv.Serve(edgeLn)

	// nginx from a temporary prefix.
	dir, err := os.MkdirTemp("", "edgeflix-bench-nginx-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	nginxLn, nginxAddr := listen()
	nginxLn.Close() // nginx binds it
	stop, err := startNginx(dir, nginxAddr, originAddr)
	if err != nil {
		return err
	}
	defer stop()

	now := time.Now()
	jt := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": contract.DefaultIssuer, "aud": contract.DefaultAudience, "sub": "acc_bench", "sid": "ses_bench",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "pfx": "/v1/media/b/",
		"dev": map[string]any{"cls": "desktop", "mh": 1080, "mbr": 8000000, "cdc": []string{"avc1", "mp4a"}, "hdr": false},
	})
	jt.Header["kid"] = "k"
	tok, err := jt.SignedString(key)
	if err != nil {
		return err
	}
	exp := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	sum := md5.Sum([]byte(exp + "/v1/media/b/ " + secureLinkSecret))
	sig := base64.RawURLEncoding.EncodeToString(sum[:])
	targets := []struct{ name, base string }{
		{"edgeflix", "http://" + edgeAddr + "/t/" + tok},
		{"nginx", "http://" + nginxAddr + "/s/" + sig + "/" + exp},
	}
	for _, t := range targets { // the gate is on: a request without it is refused
		if code := status(t.base[:strings.Index(t.base[7:], "/")+7] + "/v1/media/b/hit-1k.bin"); code == http.StatusOK {
			return fmt.Errorf("%s serves media without a token", t.name)
		}
	}
	fmt.Printf("| object | case | edgeflix req/s | edgeflix p99 | nginx req/s | nginx p99 | ratio (req/s) |\n|---|---|---:|---:|---:|---:|---:|\n")
	for _, size := range []string{"1k", "1m"} {
		for _, kind := range []string{"hit", "miss"} {
			var res [2]wrkResult
			for i, t := range targets {
				if kind == "hit" {
					u := t.base + "/v1/media/b/hit-" + size + ".bin"
					if code := status(u); code != http.StatusOK {
						return fmt.Errorf("%s: warming the %s object: status %d", t.name, size, code)
					}
					stopProfile := profile(cpuProfile, i == 0 && size == "1k")
					res[i], err = wrk(dir, u, "", duration, conns)
					stopProfile()
				} else {
					res[i], err = wrk(dir, t.base, "/v1/media/b/miss-", duration, conns, "-"+size+".bin")
				}
				if err != nil {
					return fmt.Errorf("%s %s %s: %w", t.name, size, kind, err)
				}
			}
			fmt.Printf("| %s | %s | %.0f | %v | %.0f | %v | %.2f× |\n", strings.ToUpper(size)+"B", kind, res[0].rps, res[0].p99, res[1].rps, res[1].p99, res[0].rps/res[1].rps)
		}
	}
	return nil
}

// originHandler serves the JWKS and media objects: hit-1k.bin, miss-…-1m.bin;
// the size is the name's last part.
func originHandler(key ed25519.PrivateKey) http.Handler {
	x := base64.RawURLEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	kb, mb := strings.Repeat("k", 1<<10), strings.Repeat("m", 1<<20)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/jwks.json" {
			fmt.Fprintf(w, `{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","kid":"k","x":"%s"}]}`, x)
			return
		}
		body := kb
		if strings.HasSuffix(r.URL.Path, "-1m.bin") {
			body = mb
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		io.WriteString(w, body)
	})
}

// profile starts a CPU profile into path when on and path is set; the
// returned func stops it.
func profile(path string, on bool) func() {
	if path == "" || !on {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func status(u string) int {
	resp, err := http.Get(u)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

const nginxConf = `daemon off;
worker_processes 2;
pid {{DIR}}/nginx.pid;
error_log {{DIR}}/error.log warn;
{{USER}}
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path {{DIR}}/body;
  proxy_temp_path {{DIR}}/proxy;
  fastcgi_temp_path {{DIR}}/fastcgi;
  uwsgi_temp_path {{DIR}}/uwsgi;
  scgi_temp_path {{DIR}}/scgi;
  proxy_cache_path {{DIR}}/cache levels=1:2 keys_zone=media:32m max_size=2g inactive=10m use_temp_path=off;
  upstream origin { server {{ORIGIN}}; keepalive 64; }
  server {
    listen {{LISTEN}};
    location ~ ^/s/(?<sig>[^/]+)/(?<exp>[0-9]+)(?<media>/v1/media/b/.*)$ {
      secure_link $sig,$exp;
      secure_link_md5 "$exp/v1/media/b/ {{SECRET}}";
      if ($secure_link = "") { return 403; }
      if ($secure_link = "0") { return 410; }
      proxy_pass http://origin$media;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache media;
      proxy_cache_key $media;
      proxy_cache_lock on;
      proxy_cache_valid 200 10m;
      add_header X-Cache $upstream_cache_status;
    }
    location / { return 403; }
  }
}
`

func startNginx(dir, listenAddr, originAddr string) (func(), error) {
	user := ""
	if os.Geteuid() == 0 { // workers drop to nobody: let them use the prefix
		if err := os.Chmod(dir, 0o777); err != nil {
			return nil, err
		}
		user = "user nobody nogroup;"
	}
	conf := strings.NewReplacer("{{DIR}}", dir, "{{USER}}", user, "{{ORIGIN}}", originAddr, "{{LISTEN}}", listenAddr, "{{SECRET}}", secureLinkSecret).Replace(nginxConf)
	p := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command("nginx", "-p", dir, "-c", p, "-e", filepath.Join(dir, "error.log"))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", listenAddr); err == nil {
			c.Close()
			return stop, nil
		}
	}
	stop()
	b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
	return nil, fmt.Errorf("nginx did not start: %s", b)
}

type wrkResult struct {
	rps float64
	p99 time.Duration
}

// missScript makes every request a new object: base + prefix + unique + suffix.
const missScript = `local n = 0
local tid = 0
local count = 0
function setup(thread) count = count + 1; thread:set("tid", count) end
function init(args) prefix = args[1]; suffix = args[2] end
request = function()
  n = n + 1
  return wrk.format("GET", base .. prefix .. tid .. "-" .. n .. "-" .. os.time() .. suffix)
end
`

var (
	rpsRe = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	p99Re = regexp.MustCompile(`\s99%\s+([0-9.]+)(us|ms|s)`)
)

func wrk(dir, url, prefix string, d time.Duration, conns int, suffix ...string) (wrkResult, error) {
	args := []string{"-t2", "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency"}
	if prefix != "" {
		s := filepath.Join(dir, "miss.lua")
		base := url[strings.Index(url[7:], "/")+7:]
		host := url[:len(url)-len(base)]
		script := "base = \"" + base + "\"\n" + missScript
		if err := os.WriteFile(s, []byte(script), 0o644); err != nil {
			return wrkResult{}, err
		}
		args = append(args, "-s", s, host, "--", prefix, suffix[0])
	} else {
		args = append(args, url)
	}
	out, err := exec.Command("wrk", args...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		return wrkResult{}, fmt.Errorf("non-2xx answers:\n%s", out)
	}
	m, l := rpsRe.FindSubmatch(out), p99Re.FindSubmatch(out)
	if m == nil || l == nil {
		return wrkResult{}, fmt.Errorf("unreadable wrk output:\n%s", out)
	}
	rps, _ := strconv.ParseFloat(string(m[1]), 64)
	v, _ := strconv.ParseFloat(string(l[1]), 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(l[2])]
	return wrkResult{rps: rps, p99: time.Duration(v * float64(unit)).Round(10 * time.Microsecond)}, nil
}
