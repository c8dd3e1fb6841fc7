// Package lambda holds the shared CloudFront Lambda@Edge event corpus
// (testdata/events) with the answer each event must produce, the origin
// files the origin-request events fetch (testdata/origin), and the token
// minting that fills the events' placeholders. The Node/Go parity test
// (internal/cloudfront) and the edge's self-test before a function version
// takes traffic (edge/selftest) both run this one corpus.
package lambda

import (
	"crypto/ed25519"
	"embed"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/edgeflix/edgeflix/internal/edgeproof"
)

//go:embed testdata/events/*.json testdata/origin
var files embed.FS

// Origin is the origin the origin-request events fetch from: paths such
// as v1/media/a1/master.m3u8.
var Origin fs.FS

func init() {
	sub, err := fs.Sub(files, "testdata/origin")
	if err != nil {
		panic(err)
	}
	Origin = sub
}

// PortPlaceholder is replaced, quotes included, by the origin's port.
const PortPlaceholder = `"{{ORIGIN_PORT}}"`

// Case is one corpus event and the answer it must produce: a generated
// response with Status ("403", "200", …), or Status "request" and the URI
// the request leaves the function with.
type Case struct {
	Name   string
	Event  string // the JSON event with {{…}} placeholders
	Status string
	URI    string
}

// want is what each corpus event must produce.
var want = map[string]struct{ status, uri string }{
	"vr_good_master":              {"request", "/v1/media/a1/master.m3u8"},
	"vr_good_segment":             {"request", "/v1/media/a1/720p/seg_00001.m4s"},
	"vr_expired":                  {"403", ""},
	"vr_rendition_1080p":          {"403", ""},
	"vr_rendition_1080p_playlist": {"403", ""},
	"vr_rendition_hevc":           {"403", ""},
	"vr_rendition_av1":            {"403", ""},
	"vr_rendition_hdr":            {"403", ""},
	"vr_audio_track":              {"request", "/v1/media/a1/audio/en/seg_00001.m4s"},
	"vr_subtitle_track":           {"request", "/v1/media/a1/subs/en/index.m3u8"},
	"vr_good_iframes":             {"request", "/v1/media/a1/720p/iframes.m3u8"},
	"vr_thumbnails":               {"request", "/v1/media/a1/thumbnails.vtt"},
	"vr_tampered":                 {"403", ""},
	"vr_wrong_prefix":             {"403", ""},
	"vr_missing_token":            {"403", ""},
	"vr_other_asset":              {"403", ""},
	"vr_unknown_key":              {"403", ""},
	"vr_dot_segments":             {"403", ""},
	"vr_encoded_dots":             {"403", ""},
	"vr_double_slash":             {"403", ""},
	"vr_empty_token":              {"403", ""},
	"vr_garbage_token":            {"403", ""},
	"vr_unicode":                  {"403", ""},
	"vr_root":                     {"403", ""},
	"vr_viewer_proof_master":      {"request", "/v1/media/a1/master.m3u8"},
	"vr_viewer_proof_segment":     {"request", "/v1/media/a1/720p/seg_00001.m4s"},
	"or_master_no_proof":          {"502", ""},
	"or_master_forged_proof":      {"502", ""},
	"or_master_other_path_proof":  {"502", ""},
	"or_master_expired_proof":     {"502", ""},
	"or_master_desktop":           {"200", ""},
	"or_master_phone":             {"200", ""},
	"or_master_tv":                {"200", ""},
	"or_master_unplayable":        {"422", ""},
	"or_master_no_caps":           {"500", ""},
	"or_master_invalid":           {"502", ""},
	"or_master_missing":           {"502", ""},
	"or_media_playlist":           {"request", "/v1/media/a1/720p/index.m3u8"},
	"or_segment":                  {"request", "/v1/media/a1/720p/seg_00001.m4s"},
}

// Cases returns every corpus event with its expected answer, by name. It
// panics if an event has no expectation or an expectation no event, so
// the corpus and the table cannot drift apart.
func Cases() []Case {
	paths, err := fs.Glob(files, "testdata/events/*.json")
	if err != nil {
		panic(err)
	}
	if len(paths) != len(want) {
		panic("lambda: " + strconv.Itoa(len(paths)) + " corpus events, " + strconv.Itoa(len(want)) + " expectations")
	}
	out := make([]Case, 0, len(paths))
	for _, p := range paths {
		name := strings.TrimSuffix(p[strings.LastIndexByte(p, '/')+1:], ".json")
		w, ok := want[name]
		if !ok {
			panic("lambda: no expectation for corpus event " + name)
		}
		b, err := files.ReadFile(p)
		if err != nil {
			panic(err)
		}
		out = append(out, Case{Name: name, Event: string(b), Status: w.status, URI: w.uri})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Keys mint the corpus tokens.
type Keys struct {
	// Signing signs the good tokens; its public key is in JWKS() as kid k1.
	Signing ed25519.PrivateKey
	// Unknown signs the token whose kid (k9) no key set names.
	Unknown ed25519.PrivateKey
	// Issuer and Audience are the tokens' iss and aud.
	Issuer, Audience string
	// Proof is the gate's path-proof key: the faithful origin checks the
	// proofs the origin-request events carry with it.
	Proof edgeproof.Key
}

// JWKS is the key set that trusts k.Signing as kid k1.
func (k Keys) JWKS() []byte {
	x := base64.RawURLEncoding.EncodeToString(k.Signing.Public().(ed25519.PublicKey))
	return []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"EdDSA","kid":"k1","x":"` + x + `"}]}`)
}

// Vars are the corpus placeholders at now: tokens (which expire, so they
// are minted per run) and the origin port.
func (k Keys) Vars(now time.Time, originPort int) map[string]string {
	hour := now.Add(time.Hour)
	good := k.token("k1", k.Signing, "/v1/media/a1/", now, hour)
	sig := good[strings.LastIndexByte(good, '.')+1:]
	tampered := good[:len(good)-len(sig)] + strings.Repeat("A", len(sig)-2) + sig[len(sig)-2:]
	forged := edgeproof.Key{ID: k.Proof.ID, Secret: []byte(strings.Repeat("f", 32))}
	vars := map[string]string{
		"{{TOKEN_A1}}":          good,
		"{{TOKEN_A2}}":          k.token("k1", k.Signing, "/v1/media/a2/", now, hour),
		"{{TOKEN_EXPIRED}}":     k.token("k1", k.Signing, "/v1/media/a1/", now, now.Add(-time.Hour)),
		"{{TOKEN_TAMPERED}}":    tampered,
		"{{TOKEN_UNKNOWN_KEY}}": k.token("k9", k.Unknown, "/v1/media/a1/", now, hour),
		PortPlaceholder:         strconv.Itoa(originPort),
		"{{PROOF_FORGED}}":      edgeproof.Sign(forged, "/v1/media/a1/master.m3u8", hour),
		"{{PROOF_EXPIRED}}":     edgeproof.Sign(k.Proof, "/v1/media/a1/master.m3u8", now.Add(-time.Second)),
	}
	for _, p := range []string{"/v1/media/a1/master.m3u8", "/v1/media/a2/master.m3u8", "/v1/media/bad/master.m3u8", "/v1/media/nope/master.m3u8"} {
		vars["{{PROOF:"+p+"}}"] = edgeproof.Sign(k.Proof, p, now.Add(edgeproof.Lifetime))
	}
	return vars
}

// Render replaces the placeholders of an event.
func Render(event string, vars map[string]string) []byte {
	for name, v := range vars {
		event = strings.ReplaceAll(event, name, v)
	}
	return []byte(event)
}

// Token is a good token (kid k1) for the prefix pfx that expires at exp.
func (k Keys) Token(pfx string, now, exp time.Time) string {
	return k.token("k1", k.Signing, pfx, now, exp)
}

// token is an EdDSA JWT with the claims the origin's playback tokens
// carry: a basic (720p) plan's caps and renditions.
func (k Keys) token(kid string, key ed25519.PrivateKey, pfx string, now, exp time.Time) string {
	head, _ := json.Marshal(map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": kid})
	claims, _ := json.Marshal(map[string]any{
		"iss": k.Issuer, "aud": k.Audience, "sub": "acc_1", "sid": "ses_1",
		"iat": now.Add(-2 * time.Hour).Unix(), "exp": exp.Unix(), "pfx": pfx,
		"dev": map[string]any{"cls": "desktop", "mh": 720, "mbr": 4000000, "cdc": []string{"avc1", "mp4a"}, "hdr": false, "rnd": []string{"360p", "720p", "audio", "subs"}},
	})
	signed := base64.RawURLEncoding.EncodeToString(head) + "." + base64.RawURLEncoding.EncodeToString(claims)
	return signed + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(signed)))
}
