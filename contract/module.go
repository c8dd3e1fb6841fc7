package contract

import "strconv"

// ModuleConfig is the document the edge module's configure export reads
// (wasm/ABI.md, "Configuration"); wasm/gate.ParseConfig is its one parser
// and AppendJSON its one writer (edge, CLI fn bundle and invoke, the
// CloudFront tests).
type ModuleConfig struct {
	// Issuer and Audience are the required iss and aud (required).
	Issuer, Audience string
	// LeewaySeconds is the clock skew allowed on exp, nbf and iat.
	LeewaySeconds int64
	// CacheSize bounds the verified-token cache; 0 leaves it out (the
	// module's default), a negative value disables the cache.
	CacheSize int64
	// JWKS is the origin's /.well-known/jwks.json document as served; the
	// caller checks that it is JSON.
	JWKS []byte
}

// AppendJSON appends c's JSON document to dst.
func (c *ModuleConfig) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"iss":`...)
	dst = appendJSONString(dst, c.Issuer)
	dst = append(dst, `,"aud":`...)
	dst = appendJSONString(dst, c.Audience)
	dst = append(dst, `,"leeway_s":`...)
	dst = strconv.AppendInt(dst, c.LeewaySeconds, 10)
	if c.CacheSize != 0 {
		dst = append(dst, `,"cache_size":`...)
		dst = strconv.AppendInt(dst, c.CacheSize, 10)
	}
	dst = append(dst, `,"jwks":`...)
	dst = append(dst, c.JWKS...)
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control bytes escaped, everything else (UTF-8 included) as it is.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
