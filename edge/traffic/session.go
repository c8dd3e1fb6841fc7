package traffic

import (
	"bytes"
	"context"
	"encoding/base64"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"
)

// SessionBucket is the canary bucket (0..9999) of a gated path
// /t/<token>/…: a hash of the token's sid claim, or of the whole token
// when no sid can be read. The claim is read, not verified: the bucket
// only chooses which version's gate verifies the token.
func SessionBucket(rawPath string) uint32 {
	tok := rawPath
	if len(tok) > 3 && tok[:3] == "/t/" {
		tok = tok[3:]
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] == '/' {
			tok = tok[:i]
			break
		}
	}
	key := []byte(tok)
	if sid := sessionID(tok); sid != nil {
		key = sid
	}
	h := fnv.New32a()
	h.Write(key)
	return h.Sum32() % 10000
}

// sessionID is the sid claim of a JWT, nil if it cannot be read.
func sessionID(tok string) []byte {
	first := strings.IndexByte(tok, '.')
	if first < 0 {
		return nil
	}
	rest := tok[first+1:]
	second := strings.IndexByte(rest, '.')
	if second < 0 || second > 4096 {
		return nil
	}
	var buf [3072]byte
	n, err := base64.RawURLEncoding.Decode(buf[:], []byte(rest[:second]))
	if err != nil {
		return nil
	}
	payload := buf[:n]
	i := bytes.Index(payload, []byte(`"sid":"`))
	if i < 0 {
		return nil
	}
	v := payload[i+len(`"sid":"`):]
	end := bytes.IndexByte(v, '"')
	if end <= 0 {
		return nil
	}
	return append([]byte(nil), v[:end]...)
}

// override is the version number the request's OverrideHeader asks for.
func override(ctx context.Context) (int, bool) {
	rc, ok := ctx.(*fasthttp.RequestCtx)
	if !ok {
		return 0, false
	}
	v := rc.Request.Header.Peek(OverrideHeader)
	if len(v) == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(string(v))
	return n, err == nil
}

// stamp names the answering version on the response.
func stamp(ctx context.Context, version string) {
	if rc, ok := ctx.(*fasthttp.RequestCtx); ok {
		rc.Response.Header.Set(VersionHeader, version)
	}
}
