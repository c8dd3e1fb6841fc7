// Package token verifies edgeflix playback tokens (docs/CONTRACTS.md).
//
// The verifier is deliberately narrow: JWS compact serialization, EdDSA
// (Ed25519) only, a header of exactly alg, kid and an optional typ "JWT",
// strict base64url, and strict claims. It never accepts a token that a
// strictly configured golang-jwt v5 parser rejects (this is fuzzed in the
// tests). It builds for GOOS=wasip1 without encoding/json, encoding/base64,
// crypto/ed25519, time or unicode so the edge module stays small: times
// are Unix seconds (claims) and milliseconds (now, leeway). A Verifier
// remembers verified tokens until they expire, so a playback session costs
// one signature check per instance.
package token

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/wasm/errdetail"
	"github.com/edgeflix/edgeflix/wasm/strictjson"
)

// MaxTokenLength is the longest token Verify looks at.
const MaxTokenLength = 4096

// DefaultCacheSize is the number of verified tokens a Verifier remembers
// when Config.CacheSize is zero.
const DefaultCacheSize = 1024

// Sentinel errors; Verify wraps them with %w.
var (
	// ErrMalformed reports a token that is not a well-formed JWS compact token.
	ErrMalformed = errors.New("token: malformed")
	// ErrHeader reports a header with an algorithm other than EdDSA, a typ
	// other than JWT, or members other than alg, kid and typ.
	ErrHeader = errors.New("token: unsupported header")
	// ErrUnknownKey reports a kid that is not in the key set.
	ErrUnknownKey = errors.New("token: unknown key")
	// ErrSignature reports a signature that does not verify.
	ErrSignature = errors.New("token: bad signature")
	// ErrClaims reports missing or ill-typed claims.
	ErrClaims = errors.New("token: invalid claims")
	// ErrIssuer reports an iss other than the configured issuer.
	ErrIssuer = errors.New("token: wrong issuer")
	// ErrAudience reports an aud that does not name the configured audience.
	ErrAudience = errors.New("token: wrong audience")
	// ErrExpired reports a token at or past exp (plus leeway).
	ErrExpired = errors.New("token: expired")
	// ErrNotYetValid reports a token before nbf (minus leeway).
	ErrNotYetValid = errors.New("token: not yet valid")
	// ErrIssuedInFuture reports an iat later than now plus leeway.
	ErrIssuedInFuture = errors.New("token: issued in the future")
	// ErrPrefix reports a requested path outside the token's pfx.
	ErrPrefix = errors.New("token: path outside token prefix")
	// ErrRendition reports a requested path in a folder the token's rnd
	// does not open (a rendition its plan or device does not get).
	ErrRendition = errors.New("token: rendition not granted")
)

// reasons maps each sentinel to the short reason the gate reports.
var reasons = []struct {
	err    error
	reason string
}{
	{ErrMalformed, "malformed"}, {ErrHeader, "header"}, {ErrUnknownKey, "unknown_key"},
	{ErrSignature, "signature"}, {ErrClaims, "claims"}, {ErrIssuer, "issuer"},
	{ErrAudience, "audience"}, {ErrExpired, "expired"}, {ErrNotYetValid, "not_yet_valid"},
	{ErrIssuedInFuture, "issued_in_future"}, {ErrPrefix, "prefix"}, {ErrRendition, "rendition"},
}

// Reason returns a short machine-readable reason for err ("expired",
// "signature", …), or "invalid" for errors this package does not define.
func Reason(err error) string {
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return "invalid"
}

// KeySet maps key IDs to Ed25519 public keys (32 bytes each, as in
// crypto/ed25519.PublicKey).
type KeySet map[string][]byte

// Config configures a Verifier.
type Config struct {
	// Issuer is the required iss.
	Issuer string
	// Audience must be the aud string or one element of the aud array.
	Audience string
	// LeewayMillis is the clock skew allowed on exp, nbf and iat, in
	// milliseconds. NewVerifier refuses a negative one or one over
	// maxLeewayMillis (about 31,700 years).
	LeewayMillis int64
	// Keys are the keys tokens may be signed with.
	Keys KeySet
	// CacheSize bounds the verified-token cache; 0 means DefaultCacheSize,
	// a negative value disables the cache.
	CacheSize int
}

// NoDate is the value of an optional date claim (Claims.IssuedAt,
// Claims.NotBefore) that a token does not carry; dates are never negative.
const NoDate = -1

// Claims are the verified claims of a playback token.
type Claims struct {
	Issuer    string        // iss
	Audience  []string      // aud (a single string becomes one element)
	Subject   string        // sub: account ID
	SessionID string        // sid: playback session ID
	IssuedAt  int64         // iat in Unix seconds; NoDate if absent
	NotBefore int64         // nbf in Unix seconds; NoDate if absent
	Expires   int64         // exp in Unix seconds
	Prefix    string        // pfx: path prefix the token opens, ends in "/"
	Caps      contract.Caps // dev
	// CapsHeader is Caps.Header(), computed once at verification.
	CapsHeader string
}

// Verifier verifies playback tokens. It is safe for concurrent use.
type Verifier struct {
	cfg Config

	mu    sync.Mutex              // guards cache
	cache map[uint64]*cachedToken // verified tokens by tokenKey
}

// cachedToken is a remembered verification: the token's full text (an
// owned copy, compared in full on every hit, so the key only picks the
// slot) and its claims.
type cachedToken struct {
	token  string
	claims Claims
	// from and until bound the Unix milliseconds checkTimes accepts,
	// from <= now < until (from is math.MinInt64 if neither nbf nor iat
	// was given): a hit compares against them and calls checkTimes only to
	// name a failure.
	from, until int64
}

// newCachedToken copies token and precomputes c's validity window.
func newCachedToken(token string, c Claims, leewayMillis int64) *cachedToken {
	e := &cachedToken{token: strings.Clone(token), claims: c, until: c.Expires*1000 + leewayMillis, from: math.MinInt64}
	for _, t := range []int64{c.NotBefore, c.IssuedAt} {
		if t != NoDate && t*1000-leewayMillis > e.from {
			e.from = t*1000 - leewayMillis
		}
	}
	return e
}

// checkCached is checkTimes for a remembered token.
func (v *Verifier) checkCached(e *cachedToken, now int64) error {
	if now < e.until && now >= e.from {
		return nil
	}
	return v.checkTimes(&e.claims, now)
}

// equalToken is a == b, eight bytes at a time: the Go wasm runtime
// compares strings one byte per loop turn, which made comparing a ~400-byte
// token the bulk of a warm gate call.
func equalToken(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	n := len(a)
	if n == 0 {
		return true
	}
	pa, pb := unsafe.Pointer(unsafe.StringData(a)), unsafe.Pointer(unsafe.StringData(b))
	word := func(p unsafe.Pointer, i int) uint64 { return *(*uint64)(unsafe.Add(p, i)) }
	i := 0
	for ; i+32 <= n; i += 32 {
		// Parenthesised: in Go, ^ and | bind equally tight (left to right).
		if (word(pa, i)^word(pb, i))|(word(pa, i+8)^word(pb, i+8))|
			(word(pa, i+16)^word(pb, i+16))|(word(pa, i+24)^word(pb, i+24)) != 0 {
			return false
		}
	}
	for ; i+8 <= n; i += 8 {
		if word(pa, i) != word(pb, i) {
			return false
		}
	}
	return a[i:] == b[i:]
}

// tokenKey picks a token's cache slot from its length and its last 32
// bytes: for a verified token those are base64url signature bytes, random
// to anyone without the signing key, so hashing the other ~400 bytes would
// buy nothing. It is not a security boundary: a hit still compares the
// whole token text (lookup), and only verified tokens are stored.
func tokenKey(t string) uint64 {
	h := uint64(14695981039346656037) ^ uint64(len(t))
	if len(t) > 32 {
		t = t[len(t)-32:]
	}
	for i := 0; i < len(t); i++ {
		h = (h ^ uint64(t[i])) * 1099511628211
	}
	return h
}

// lookup returns the remembered verification of token, if any.
func (v *Verifier) lookup(token string) (*cachedToken, bool) {
	v.mu.Lock()
	e, ok := v.cache[tokenKey(token)]
	v.mu.Unlock()
	if !ok || !equalToken(e.token, token) {
		return nil, false
	}
	return e, true
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("token: issuer and audience are required")
	}
	if cfg.LeewayMillis < 0 {
		return nil, errors.New("token: negative leeway")
	}
	if cfg.LeewayMillis > maxLeewayMillis {
		return nil, errors.New("token: leeway over " + strconv.Itoa(maxLeewayMillis) + " ms")
	}
	keys := make(KeySet, len(cfg.Keys))
	for kid, k := range cfg.Keys {
		if len(k) != publicKeySize {
			return nil, errors.New("token: key " + strconv.Quote(kid) + " is not a 32-byte Ed25519 public key")
		}
		keys[kid] = k
	}
	cfg.Keys = keys
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	v := &Verifier{cfg: cfg}
	if cfg.CacheSize > 0 {
		v.cache = make(map[uint64]*cachedToken)
	}
	return v, nil
}

// Verify checks token at time now (Unix milliseconds) and that it opens
// path, which must be a clean absolute path (the caller rejects dot
// segments and escapes). It returns the token's claims or an error wrapping
// one of the sentinels. Verify keeps no reference to token or path (the
// cache stores a copy), so callers may pass strings that view reused
// buffers.
func (v *Verifier) Verify(token, path string, now int64) (Claims, error) {
	if v.cache != nil {
		if e, ok := v.lookup(token); ok {
			if err := v.checkCached(e, now); err != nil {
				return Claims{}, err
			}
			return e.claims, checkPath(&e.claims, path)
		}
	}
	c, err := v.verify(token, now)
	if err != nil {
		return Claims{}, err
	}
	v.remember(token, c, now)
	return c, checkPath(&c, path)
}

// Admit is Verify for the gate's hot path: it returns only the caps header
// (Claims.CapsHeader) and, for a remembered token, copies no claims. Like
// Verify it keeps no reference to token or path.
func (v *Verifier) Admit(token, path string, now int64) (capsHeader string, err error) {
	if v.cache != nil {
		if e, ok := v.lookup(token); ok {
			if err := v.checkCached(e, now); err != nil {
				return "", err
			}
			if err := checkPath(&e.claims, path); err != nil {
				return "", err
			}
			return e.claims.CapsHeader, nil
		}
	}
	c, err := v.Verify(token, path, now)
	if err != nil {
		return "", err
	}
	return c.CapsHeader, nil
}

// cached reports whether token is remembered (tests).
func (v *Verifier) cached(token string) bool {
	_, ok := v.lookup(token)
	return ok
}

func (v *Verifier) remember(token string, c Claims, now int64) {
	if v.cache == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.cache) >= v.cfg.CacheSize {
		for k, old := range v.cache {
			if now >= old.until {
				delete(v.cache, k)
			}
		}
		// Still full: drop arbitrary entries (map order is random).
		for k := range v.cache {
			if len(v.cache) < v.cfg.CacheSize {
				break
			}
			delete(v.cache, k)
		}
	}
	// A copy: token may view a buffer the caller reuses. A slot taken by
	// another token (a key collision) is simply overwritten.
	v.cache[tokenKey(token)] = newCachedToken(token, c, v.cfg.LeewayMillis)
}

// checkPath checks that path is below c's prefix and in a folder c's
// rnd opens (contract.Caps.MayFetch).
func checkPath(c *Claims, path string) error {
	if !strings.HasPrefix(path, c.Prefix) {
		return ErrPrefix
	}
	if !c.Caps.MayFetch(path[len(c.Prefix):]) {
		return ErrRendition
	}
	return nil
}

// checkTimes applies golang-jwt v5's rules: valid iff now < exp+leeway,
// now >= nbf-leeway and now >= iat-leeway, in Unix milliseconds (dates
// and leeway are bounded, so none of this overflows).
func (v *Verifier) checkTimes(c *Claims, now int64) error {
	l := v.cfg.LeewayMillis
	if now >= c.Expires*1000+l {
		return ErrExpired
	}
	if c.NotBefore != NoDate && now < c.NotBefore*1000-l {
		return ErrNotYetValid
	}
	if c.IssuedAt != NoDate && now < c.IssuedAt*1000-l {
		return ErrIssuedInFuture
	}
	return nil
}

// decodeSegment decodes one strict base64url segment without padding
// (RFC 7515, section 2): only the 64 characters of the URL-safe alphabet,
// no padding or line breaks, and the unused low bits of the last character
// zero. Its errors are those of encoding/base64's strict RawURLEncoding,
// which it replaces in the edge module (~4 KB of the zipped bundle).
func decodeSegment(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)*3/4)
	var group uint32 // the 6-bit values of the current group of four characters
	for i := 0; i < len(s); i++ {
		v := base64URLValue[s[i]]
		if v == 0xff {
			return nil, errdetail.Wrap(ErrMalformed, "invalid base64url character")
		}
		group = group<<6 | uint32(v)
		if i%4 == 3 {
			out = append(out, byte(group>>16), byte(group>>8), byte(group))
			group = 0
		}
	}
	// A last group of two or three characters holds one or two bytes; the
	// offsets are the ones encoding/base64 reports.
	switch len(s) % 4 {
	case 1:
		return nil, corruptBase64(len(s) - 1)
	case 2:
		if group&0xf != 0 {
			return nil, corruptBase64(len(s) - 2)
		}
		out = append(out, byte(group>>4))
	case 3:
		if group&0x3 != 0 {
			return nil, corruptBase64(len(s) - 1)
		}
		out = append(out, byte(group>>10), byte(group>>2))
	}
	return out, nil
}

// corruptBase64 is encoding/base64.CorruptInputError's message, wrapped.
func corruptBase64(offset int) error {
	return errdetail.Wrap(ErrMalformed, "illegal base64 data at input byte "+strconv.Itoa(offset))
}

// base64URLValue maps each byte to its base64url value, 0xff if it is not
// in the alphabet.
var base64URLValue = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

func (v *Verifier) verify(token string, now int64) (Claims, error) {
	if len(token) > MaxTokenLength {
		return Claims{}, errdetail.Wrap(ErrMalformed, "longer than "+strconv.Itoa(MaxTokenLength)+" bytes")
	}
	dot1 := strings.IndexByte(token, '.')
	if dot1 < 0 {
		return Claims{}, errdetail.Wrap(ErrMalformed, "not three segments")
	}
	dot2 := strings.IndexByte(token[dot1+1:], '.')
	if dot2 < 0 {
		return Claims{}, errdetail.Wrap(ErrMalformed, "not three segments")
	}
	dot2 += dot1 + 1
	if strings.IndexByte(token[dot2+1:], '.') >= 0 {
		return Claims{}, errdetail.Wrap(ErrMalformed, "not three segments")
	}
	headerJSON, err := decodeSegment(token[:dot1])
	if err != nil {
		return Claims{}, err
	}
	kid, err := parseHeader(headerJSON)
	if err != nil {
		return Claims{}, err
	}
	key, ok := v.cfg.Keys[kid]
	if !ok {
		return Claims{}, ErrUnknownKey
	}
	payload, err := decodeSegment(token[dot1+1 : dot2])
	if err != nil {
		return Claims{}, err
	}
	sig, err := decodeSegment(token[dot2+1:])
	if err != nil {
		return Claims{}, err
	}
	if !verifySignature(key, []byte(token[:dot2]), sig) {
		return Claims{}, ErrSignature
	}
	// Only signed payloads reach the JSON parser.
	c, err := v.parseClaims(payload)
	if err != nil {
		return Claims{}, err
	}
	if err := v.checkTimes(&c, now); err != nil {
		return Claims{}, err
	}
	return c, nil
}

func parseHeader(data []byte) (kid string, err error) {
	h, err := strictjson.Parse(data)
	if err != nil {
		return "", errdetail.Wrap(ErrMalformed, "header: "+err.Error())
	}
	if h.Kind != strictjson.Object {
		return "", errdetail.Wrap(ErrMalformed, "header is not an object")
	}
	var alg, haveKid bool
	for _, m := range h.Members {
		switch m.Key {
		case "alg":
			if m.Value.Kind != strictjson.String || m.Value.Str != "EdDSA" {
				return "", errdetail.Wrap(ErrHeader, "alg must be EdDSA")
			}
			alg = true
		case "kid":
			if m.Value.Kind != strictjson.String || m.Value.Str == "" {
				return "", errdetail.Wrap(ErrHeader, "kid must be a non-empty string")
			}
			kid, haveKid = m.Value.Str, true
		case "typ":
			if m.Value.Kind != strictjson.String || m.Value.Str != "JWT" {
				return "", errdetail.Wrap(ErrHeader, "typ must be JWT")
			}
		default:
			return "", errdetail.Wrap(ErrHeader, "member "+strconv.Quote(m.Key)+" not allowed")
		}
	}
	if !alg || !haveKid {
		return "", errdetail.Wrap(ErrHeader, "alg and kid are required")
	}
	return kid, nil
}

// Known member names. encoding/json matches struct fields case-insensitively
// (with Unicode simple folding), so a member that folds to a known name but
// is not spelt exactly like it could be read differently by a golang-jwt
// based consumer; such members are rejected.
var (
	claimNames = contract.PlaybackClaimNames
	capsNames  = contract.DeviceClaimNames
)

// foldName folds s the way encoding/json v1 does for field matching
// (Unicode simple folding, each rune to the least of its case orbit), as
// far as that matters for the ASCII names it is compared with: ASCII
// letters become upper case, and so do the only two other runes whose
// orbit holds an ASCII letter, U+017F (ſ, with s and S) and U+212A (the
// Kelvin sign, with k and K). Other runes stay as they are; they fold to
// no ASCII rune, so they cannot match either way. (This spares the edge
// module the unicode tables.)
func foldName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z':
			r -= 'a' - 'A'
		case r == '\u017f':
			r = 'S'
		case r == '\u212a':
			r = 'K'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// checkNames rejects members whose names fold onto a known name without
// being exactly that name.
func checkNames(obj strictjson.Value, known []string) error {
	for _, m := range obj.Members {
		exact := false
		for _, k := range known {
			if m.Key == k {
				exact = true
				break
			}
		}
		if exact {
			continue
		}
		f := foldName(m.Key)
		for _, k := range known {
			if f == foldName(k) {
				return errdetail.Wrap(ErrClaims, "member "+strconv.Quote(m.Key)+" shadows "+strconv.Quote(k))
			}
		}
	}
	return nil
}

func (v *Verifier) parseClaims(data []byte) (Claims, error) {
	obj, err := strictjson.Parse(data)
	if err != nil {
		return Claims{}, errdetail.Wrap(ErrMalformed, err.Error())
	}
	if obj.Kind != strictjson.Object {
		return Claims{}, errdetail.Wrap(ErrMalformed, "claims are not an object")
	}
	if err := checkNames(obj, claimNames); err != nil {
		return Claims{}, err
	}
	var c Claims
	if c.Issuer, err = reqString(obj, "iss"); err != nil {
		return Claims{}, err
	}
	if c.Issuer != v.cfg.Issuer {
		return Claims{}, ErrIssuer
	}
	aud, ok := obj.Get("aud")
	switch {
	case !ok:
		return Claims{}, errdetail.Wrap(ErrAudience, "aud is required")
	case aud.Kind == strictjson.String:
		c.Audience = []string{aud.Str}
	case aud.Kind == strictjson.Array:
		for _, e := range aud.Elems {
			if e.Kind != strictjson.String {
				return Claims{}, errdetail.Wrap(ErrClaims, "aud must hold strings")
			}
			c.Audience = append(c.Audience, e.Str)
		}
	default:
		return Claims{}, errdetail.Wrap(ErrClaims, "aud must be a string or an array")
	}
	found := false
	for _, a := range c.Audience {
		if a == v.cfg.Audience {
			found = true
		}
	}
	if !found {
		return Claims{}, ErrAudience
	}
	if c.Expires, ok, err = optTime(obj, "exp"); err != nil {
		return Claims{}, err
	} else if !ok {
		return Claims{}, errdetail.Wrap(ErrClaims, "exp is required")
	}
	if c.NotBefore, _, err = optTime(obj, "nbf"); err != nil {
		return Claims{}, err
	}
	if c.IssuedAt, _, err = optTime(obj, "iat"); err != nil {
		return Claims{}, err
	}
	if jti, ok := obj.Get("jti"); ok && jti.Kind != strictjson.String {
		return Claims{}, errdetail.Wrap(ErrClaims, "jti must be a string")
	}
	if c.Subject, err = reqString(obj, "sub"); err != nil {
		return Claims{}, err
	}
	if c.SessionID, err = reqString(obj, "sid"); err != nil {
		return Claims{}, err
	}
	if c.Prefix, err = reqString(obj, "pfx"); err != nil {
		return Claims{}, err
	}
	if len(c.Prefix) < 2 || c.Prefix[0] != '/' || c.Prefix[len(c.Prefix)-1] != '/' {
		return Claims{}, errdetail.Wrap(ErrClaims, "pfx must start and end with /")
	}
	dev, ok := obj.Get(contract.ClaimDevice)
	if !ok || dev.Kind != strictjson.Object {
		return Claims{}, errdetail.Wrap(ErrClaims, "dev object is required")
	}
	if c.Caps, err = parseCaps(dev); err != nil {
		return Claims{}, err
	}
	c.CapsHeader = c.Caps.Header()
	return c, nil
}

func reqString(obj strictjson.Value, name string) (string, error) {
	s, ok := obj.Get(name)
	if !ok || s.Kind != strictjson.String || s.Str == "" {
		return "", errdetail.Wrap(ErrClaims, name+" must be a non-empty string")
	}
	return s.Str, nil
}

// maxSeconds bounds NumericDates to the year ~33658, far inside int64 and
// float64's exact integer range (and in milliseconds, inside int64).
const maxSeconds = 999_999_999_999

// maxLeewayMillis is the largest Config.LeewayMillis: with it, dates plus
// or minus leeway in milliseconds stay far inside int64.
const maxLeewayMillis = maxSeconds * 1000

// optTime returns the NumericDate claim name in Unix seconds, or NoDate
// and false if the claims do not hold it.
func optTime(obj strictjson.Value, name string) (int64, bool, error) {
	n, ok := obj.Get(name)
	if !ok {
		return NoDate, false, nil
	}
	sec, isInt := n.Int()
	if !isInt || sec < 0 || sec > maxSeconds {
		return NoDate, false, errdetail.Wrap(ErrClaims, name+" must be a non-negative integer")
	}
	return sec, true, nil
}

func reqInt(obj strictjson.Value, name string) (int64, error) {
	n, ok := obj.Get(name)
	if !ok {
		return 0, errdetail.Wrap(ErrClaims, "dev."+name+" is required")
	}
	i, isInt := n.Int()
	if !isInt || i < 0 {
		return 0, errdetail.Wrap(ErrClaims, "dev."+name+" must be a non-negative integer")
	}
	return i, nil
}

func parseCaps(dev strictjson.Value) (contract.Caps, error) {
	if err := checkNames(dev, capsNames); err != nil {
		return contract.Caps{}, err
	}
	var c contract.Caps
	var err error
	if c.Class, err = reqString(dev, contract.FieldClass); err != nil {
		return contract.Caps{}, err
	}
	if c.MaxHeight, err = reqInt(dev, contract.FieldMaxHeight); err != nil {
		return contract.Caps{}, err
	}
	if c.MaxBitrate, err = reqInt(dev, contract.FieldMaxBitrate); err != nil {
		return contract.Caps{}, err
	}
	cdc, ok := dev.Get(contract.FieldCodecs)
	if !ok || cdc.Kind != strictjson.Array {
		return contract.Caps{}, errdetail.Wrap(ErrClaims, "dev.cdc must be an array")
	}
	for _, e := range cdc.Elems {
		if e.Kind != strictjson.String {
			return contract.Caps{}, errdetail.Wrap(ErrClaims, "dev.cdc holds an invalid codec")
		}
		c.Codecs = append(c.Codecs, e.Str)
	}
	if hdr, ok := dev.Get(contract.FieldHDR); ok {
		if hdr.Kind != strictjson.Bool {
			return contract.Caps{}, errdetail.Wrap(ErrClaims, "dev.hdr must be a boolean")
		}
		c.HDR = hdr.Bool
	}
	if rnd, ok := dev.Get(contract.FieldRenditions); ok {
		if rnd.Kind != strictjson.Array {
			return contract.Caps{}, errdetail.Wrap(ErrClaims, "dev.rnd must be an array")
		}
		c.Renditions = make([]string, 0, len(rnd.Elems))
		for _, e := range rnd.Elems {
			if e.Kind != strictjson.String {
				return contract.Caps{}, errdetail.Wrap(ErrClaims, "dev.rnd holds an invalid name")
			}
			c.Renditions = append(c.Renditions, e.Str)
		}
	}
	if err := c.Validate(); err != nil {
		return contract.Caps{}, errdetail.Wrap(ErrClaims, "dev: "+detail(err))
	}
	return c, nil
}

// detail is err's detail without its sentinel's text.
func detail(err error) string {
	if d, ok := err.(*errdetail.Error); ok {
		return d.Detail
	}
	return err.Error()
}
