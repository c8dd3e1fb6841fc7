package cmcd

import (
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/internal/hexdigit"
)

// group is a key's header (CTA-5004 §3.2).
type group uint8

const (
	groupObject group = iota
	groupRequest
	groupSession
	groupStatus
	groupCount
)

// headerNames are the header names by group.
var headerNames = [groupCount]string{HeaderObject, HeaderRequest, HeaderSession, HeaderStatus}

// kind is a key's value type.
type kind uint8

const (
	kindInteger kind = iota // non-negative integer
	kindRounded             // non-negative integer, a multiple of 100
	kindDecimal             // non-negative decimal
	kindString              // quoted string
	kindToken               // one of a fixed set of tokens
	kindFlag                // boolean, key alone when true
)

// keyDef describes one reserved key.
type keyDef struct {
	name   string
	group  group
	kind   kind
	bit    Keys     // for integers and decimals
	tokens []string // for tokens
}

// keyDefs lists the reserved keys in the order they are written
// (alphabetical, as the spec recommends).
var keyDefs = [...]keyDef{
	{name: "bl", group: groupRequest, kind: kindRounded, bit: KeyBufferLength},
	{name: "br", group: groupObject, kind: kindInteger, bit: KeyBitrate},
	{name: "bs", group: groupStatus, kind: kindFlag},
	{name: "cid", group: groupSession, kind: kindString},
	{name: "d", group: groupObject, kind: kindInteger, bit: KeyDuration},
	{name: "dl", group: groupRequest, kind: kindRounded, bit: KeyDeadline},
	{name: "mtp", group: groupRequest, kind: kindRounded, bit: KeyMeasuredThroughput},
	{name: "nor", group: groupRequest, kind: kindString},
	{name: "nrr", group: groupRequest, kind: kindString},
	{name: "ot", group: groupObject, kind: kindToken, tokens: []string{"m", "a", "v", "av", "i", "c", "tt", "k", "o"}},
	{name: "pr", group: groupSession, kind: kindDecimal, bit: KeyPlaybackRate},
	{name: "rtp", group: groupStatus, kind: kindRounded, bit: KeyRequestedThroughput},
	{name: "sf", group: groupSession, kind: kindToken, tokens: []string{FormatDASH, FormatHLS, FormatSmooth, FormatOther}},
	{name: "sid", group: groupSession, kind: kindString},
	{name: "st", group: groupSession, kind: kindToken, tokens: []string{StreamVOD, StreamLive}},
	{name: "su", group: groupRequest, kind: kindFlag},
	{name: "tb", group: groupObject, kind: kindInteger, bit: KeyTopBitrate},
	{name: "v", group: groupSession, kind: kindInteger, bit: KeyVersion},
}

// lookup returns the definition of a reserved key and its index in
// keyDefs, or nil.
func lookup(name string) (*keyDef, int) {
	for i := range keyDefs {
		if keyDefs[i].name == name {
			return &keyDefs[i], i
		}
	}
	return nil, -1
}

// integer returns a pointer to d's field for an integer key.
func (d *Data) integer(name string) *int {
	switch name {
	case "bl":
		return &d.BufferLength
	case "br":
		return &d.Bitrate
	case "d":
		return &d.Duration
	case "dl":
		return &d.Deadline
	case "mtp":
		return &d.MeasuredThroughput
	case "rtp":
		return &d.RequestedThroughput
	case "tb":
		return &d.TopBitrate
	case "v":
		return &d.Version
	}
	return nil
}

// text returns a pointer to d's field for a string or token key.
func (d *Data) text(name string) *string {
	switch name {
	case "cid":
		return &d.ContentID
	case "nor":
		return &d.NextObject
	case "nrr":
		return &d.NextRange
	case "ot":
		return (*string)(&d.ObjectType)
	case "sf":
		return &d.StreamingFormat
	case "sid":
		return &d.SessionID
	case "st":
		return &d.StreamType
	}
	return nil
}

// flag returns a pointer to d's field for a flag key.
func (d *Data) flag(name string) *bool {
	if name == "su" {
		return &d.Startup
	}
	return &d.BufferStarvation
}

// appendGroup appends the keys of group g (all groups if g == groupCount)
// to dst, comma-separated, and returns it.
func (d *Data) appendGroup(dst []byte, g group) []byte {
	first := true
	for i := range keyDefs {
		k := &keyDefs[i]
		if g != groupCount && k.group != g {
			continue
		}
		start := len(dst)
		if !first {
			dst = append(dst, ',')
		}
		dst = append(dst, k.name...)
		switch k.kind {
		case kindInteger, kindRounded:
			if d.Has&k.bit == 0 {
				dst = dst[:start]
				continue
			}
			v := *d.integer(k.name)
			if k.kind == kindRounded {
				v = round(v, roundUnit)
			}
			dst = append(dst, '=')
			dst = strconv.AppendInt(dst, int64(max(v, 0)), 10)
		case kindDecimal:
			if d.Has&k.bit == 0 {
				dst = dst[:start]
				continue
			}
			dst = append(dst, '=')
			dst = strconv.AppendFloat(dst, max(d.PlaybackRate, 0), 'f', -1, 64)
		case kindString:
			s := *d.text(k.name)
			if s == "" {
				dst = dst[:start]
				continue
			}
			dst = append(dst, '=', '"')
			for i := 0; i < len(s); i++ {
				if s[i] == '"' || s[i] == '\\' {
					dst = append(dst, '\\')
				}
				dst = append(dst, s[i])
			}
			dst = append(dst, '"')
		case kindToken:
			s := *d.text(k.name)
			if s == "" {
				dst = dst[:start]
				continue
			}
			dst = append(dst, '=')
			dst = append(dst, s...)
		case kindFlag:
			if !*d.flag(k.name) {
				dst = dst[:start]
				continue
			}
		}
		first = false
	}
	return dst
}

// String returns the payload of all keys, e.g. `bl=2100,br=3200,sf=h`.
func (d *Data) String() string { return string(d.appendGroup(nil, groupCount)) }

// AppendQuery appends d in the query form to rawURL: "?CMCD=…" or
// "&CMCD=…" with the payload percent-encoded. An empty d leaves rawURL as
// it is.
func (d *Data) AppendQuery(rawURL string) string {
	payload := d.appendGroup(nil, groupCount)
	if len(payload) == 0 {
		return rawURL
	}
	b := make([]byte, 0, len(rawURL)+len(QueryKey)+2+len(payload)*2)
	b = append(b, rawURL...)
	if strings.IndexByte(rawURL, '?') >= 0 {
		b = append(b, '&')
	} else {
		b = append(b, '?')
	}
	b = append(b, QueryKey...)
	b = append(b, '=')
	return string(appendEscaped(b, payload))
}

// Headers returns the header form: the non-empty groups as name, value
// pairs in the order Object, Request, Session, Status.
func (d *Data) Headers() [][2]string {
	var out [][2]string
	for g := range groupCount {
		if v := d.appendGroup(nil, g); len(v) > 0 {
			out = append(out, [2]string{headerNames[g], string(v)})
		}
	}
	return out
}

// appendEscaped percent-encodes every byte outside RFC 3986's unreserved
// set, as encodeURIComponent does.
func appendEscaped(dst, s []byte) []byte {
	for _, c := range s {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', hexdigit.Upper[c>>4], hexdigit.Upper[c&15])
	}
	return dst
}

// Unescape decodes the percent-encoding of a raw query value ('+' stays
// '+': the query form is written with %20 for a space).
func Unescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", &Error{Reason: "bad percent-encoding"}
		}
		v, ok := hexdigit.Decode(s[i+1], s[i+2])
		if !ok {
			return "", &Error{Reason: "bad percent-encoding"}
		}
		b = append(b, v)
		i += 2
	}
	return string(b), nil
}

// Parse reads a payload (the decoded value of the CMCD query argument, or
// the keys of all headers joined by commas).
func Parse(payload string) (Data, error) {
	var d Data
	if len(payload) > MaxLen {
		return Data{}, &Error{Reason: "payload too long"}
	}
	var seen [len(keyDefs)]bool
	if err := d.parseInto(payload, groupCount, &seen); err != nil {
		return Data{}, err
	}
	return d, nil
}

// ParseHeaders reads the header form; get returns a request header's value
// ("" when absent). Each key must be in its own header.
func ParseHeaders(get func(name string) string) (Data, error) {
	var d Data
	var seen [len(keyDefs)]bool
	total := 0
	for g := range groupCount {
		v := get(headerNames[g])
		if total += len(v); total > MaxLen {
			return Data{}, &Error{Reason: "headers too long"}
		}
		if v == "" {
			continue
		}
		if err := d.parseInto(v, g, &seen); err != nil {
			return Data{}, err
		}
	}
	return d, nil
}

// parseInto reads comma-separated pairs into d; g restricts the keys to one
// group unless it is groupCount.
func (d *Data) parseInto(s string, g group, seen *[len(keyDefs)]bool) error {
	if s == "" {
		return nil
	}
	for len(s) > 0 {
		// key
		i := 0
		for i < len(s) && s[i] != '=' && s[i] != ',' {
			i++
		}
		name := s[:i]
		s = s[i:]
		if !validKey(name) {
			return &Error{Key: printable(name), Reason: "malformed key"}
		}
		hasValue := len(s) > 0 && s[0] == '='
		var value string
		quoted := false
		if hasValue {
			s = s[1:]
			if len(s) > 0 && s[0] == '"' {
				v, rest, ok := unquote(s)
				if !ok {
					return &Error{Key: name, Reason: "unterminated or malformed string"}
				}
				value, s, quoted = v, rest, true
			} else {
				j := strings.IndexByte(s, ',')
				if j < 0 {
					j = len(s)
				}
				value, s = s[:j], s[j:]
				if strings.IndexByte(value, '"') >= 0 {
					return &Error{Key: name, Reason: "malformed value"}
				}
			}
		}
		if len(s) > 0 {
			if s[0] != ',' || len(s) == 1 {
				return &Error{Key: name, Reason: "malformed separator"}
			}
			s = s[1:]
		}
		k, idx := lookup(name)
		if k == nil {
			if strings.IndexByte(name, '-') >= 0 {
				continue // a custom key: allowed, not ours
			}
			return &Error{Key: name, Reason: "unknown key"}
		}
		if seen[idx] {
			return &Error{Key: name, Reason: "given twice"}
		}
		seen[idx] = true
		if g != groupCount && k.group != g {
			return &Error{Key: name, Reason: "in the wrong header"}
		}
		if err := d.set(k, value, hasValue, quoted); err != nil {
			return err
		}
	}
	return nil
}

// set stores one key's value in d.
func (d *Data) set(k *keyDef, value string, hasValue, quoted bool) error {
	if k.kind == kindFlag {
		if hasValue {
			return &Error{Key: k.name, Reason: "a flag takes no value"}
		}
		*d.flag(k.name) = true
		return nil
	}
	if !hasValue || (quoted != (k.kind == kindString)) {
		return &Error{Key: k.name, Reason: "value of the wrong type"}
	}
	switch k.kind {
	case kindInteger, kindRounded:
		n, ok := parseInteger(value)
		if !ok {
			return &Error{Key: k.name, Reason: "not a non-negative integer"}
		}
		if k.kind == kindRounded && n%roundUnit != 0 {
			return &Error{Key: k.name, Reason: "not rounded to 100"}
		}
		if k.name == "v" && n != 1 {
			return &Error{Key: k.name, Reason: "unsupported version"}
		}
		*d.integer(k.name) = n
		d.Has |= k.bit
	case kindDecimal:
		f, ok := parseDecimal(value)
		if !ok {
			return &Error{Key: k.name, Reason: "not a decimal from 0 to 100"}
		}
		d.PlaybackRate = f
		d.Has |= k.bit
	case kindString:
		if value == "" {
			return &Error{Key: k.name, Reason: "empty string"}
		}
		if (k.name == "cid" || k.name == "sid") && len(value) > MaxStringLen {
			return &Error{Key: k.name, Reason: "longer than 64 characters"}
		}
		if k.name == "nrr" && !validRange(value) {
			return &Error{Key: k.name, Reason: "not a byte range"}
		}
		*d.text(k.name) = value
	case kindToken:
		ok := false
		for _, t := range k.tokens {
			ok = ok || t == value
		}
		if !ok {
			return &Error{Key: k.name, Reason: "not an allowed token"}
		}
		*d.text(k.name) = value
	}
	return nil
}

// validKey reports whether name is a key: lowercase letters, digits, '.'
// and '-', starting with a letter.
func validKey(name string) bool {
	if name == "" || name[0] < 'a' || name[0] > 'z' || len(name) > 64 {
		return false
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// unquote reads a quoted string at the start of s (`\"` and `\\` escape)
// and returns its value and the rest of s. Control characters are refused.
func unquote(s string) (value, rest string, ok bool) {
	var b []byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return string(b), s[i+1:], true
		case c == '\\':
			if i+1 >= len(s) || (s[i+1] != '"' && s[i+1] != '\\') {
				return "", "", false
			}
			i++
			b = append(b, s[i])
		case c < 0x20 || c == 0x7f:
			return "", "", false
		default:
			b = append(b, c)
		}
	}
	return "", "", false
}

// parseInteger reads a non-negative decimal integer of at most 12 digits,
// without sign or leading zeros.
func parseInteger(s string) (int, bool) {
	if s == "" || len(s) > 12 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parseDecimal reads a playback rate: digits with an optional fraction,
// from 0 to 100.
func parseDecimal(s string) (float64, bool) {
	intPart, frac, dot := strings.Cut(s, ".")
	if _, ok := parseInteger(intPart); !ok || (dot && (frac == "" || len(frac) > 6)) {
		return 0, false
	}
	for i := 0; i < len(frac); i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f > 100 {
		return 0, false
	}
	// Only the shortest form round-trips: 1.50 would be written 1.5.
	if strconv.FormatFloat(f, 'f', -1, 64) != s {
		return 0, false
	}
	return f, true
}

// validRange reports whether s is "<start>-<end>", "<start>-" or "-<n>".
func validRange(s string) bool {
	a, b, ok := strings.Cut(s, "-")
	if !ok || (a == "" && b == "") {
		return false
	}
	an, aok := parseInteger(a)
	bn, bok := parseInteger(b)
	switch {
	case a == "":
		return bok
	case b == "":
		return aok
	}
	return aok && bok && an <= bn
}

// printable cuts a bad key for an error message.
func printable(s string) string {
	if len(s) > 16 {
		s = s[:16]
	}
	return strconv.Quote(s)
}
