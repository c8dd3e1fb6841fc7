// Package strictjson is a small, strict JSON parser for the edge Wasm module.
//
// It exists because encoding/json would roughly double the size of the
// GOOS=wasip1 module (see ARCHITECTURE.md, module sizes). It parses RFC 8259
// JSON into a [Value] tree and is stricter than encoding/json: it rejects
// invalid UTF-8, escaped lone surrogates, duplicate object member names and
// nesting deeper than [MaxDepth]. Anything it accepts decodes to the same
// value with encoding/json (this is fuzzed in the tests).
package strictjson

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects Parse accepts.
const MaxDepth = 32

// Errors returned by Parse, wrapped with the byte offset where they occurred.
var (
	// ErrSyntax reports input that is not JSON.
	ErrSyntax = errors.New("strictjson: syntax error")
	// ErrUTF8 reports invalid UTF-8 or an unpaired escaped surrogate in a string.
	ErrUTF8 = errors.New("strictjson: invalid utf-8")
	// ErrDuplicateKey reports an object with two members of the same name.
	ErrDuplicateKey = errors.New("strictjson: duplicate object member")
	// ErrDepth reports nesting deeper than MaxDepth.
	ErrDepth = errors.New("strictjson: nesting too deep")
)

// Kind is the JSON type of a Value.
type Kind uint8

// The JSON types.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is one parsed JSON value. Only the fields of its Kind are set.
type Value struct {
	// Kind is the JSON type.
	Kind Kind
	// Bool is the value of a Bool.
	Bool bool
	// Str is the decoded text of a String, or the literal text of a Number.
	Str string
	// Elems are the elements of an Array.
	Elems []Value
	// Members are the members of an Object in document order; names are unique.
	Members []Member
}

// Member is one name/value pair of an Object.
type Member struct {
	Key   string
	Value Value
}

// Get returns the value of the member named key of an Object.
func (v Value) Get(key string) (Value, bool) {
	for i := range v.Members {
		if v.Members[i].Key == key {
			return v.Members[i].Value, true
		}
	}
	return Value{}, false
}

// Int returns the value of a Number written as an integer (no fraction, no
// exponent) of at most 18 digits.
func (v Value) Int() (int64, bool) {
	if v.Kind != Number {
		return 0, false
	}
	s := v.Str
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// Parse parses data, which must hold exactly one JSON value with optional
// surrounding whitespace.
func Parse(data []byte) (Value, error) {
	p := parser{data: data}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return Value{}, p.errorf(ErrSyntax, "data after top-level value")
	}
	return v, nil
}

type parser struct {
	data []byte
	pos  int
}

// SyntaxError is the error Parse returns; it wraps one of the sentinels.
type SyntaxError struct {
	Kind   error  // ErrSyntax, ErrUTF8, ErrDuplicateKey or ErrDepth
	Offset int    // byte offset of the problem
	Msg    string // what was wrong
}

func (e *SyntaxError) Error() string {
	return e.Kind.Error() + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Unwrap returns e.Kind.
func (e *SyntaxError) Unwrap() error { return e.Kind }

func (p *parser) errorf(kind error, msg string) error {
	return &SyntaxError{Kind: kind, Offset: p.pos, Msg: msg}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (Value, error) {
	if p.pos >= len(p.data) {
		return Value{}, p.errorf(ErrSyntax, "unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		s, err := p.string()
		return Value{Kind: String, Str: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		s, err := p.number()
		return Value{Kind: Number, Str: s}, err
	case c == 't':
		return Value{Kind: Bool, Bool: true}, p.literal("true")
	case c == 'f':
		return Value{Kind: Bool}, p.literal("false")
	case c == 'n':
		return Value{Kind: Null}, p.literal("null")
	default:
		return Value{}, p.errorf(ErrSyntax, "unexpected character")
	}
}

func (p *parser) literal(lit string) error {
	if len(p.data)-p.pos < len(lit) || string(p.data[p.pos:p.pos+len(lit)]) != lit {
		return p.errorf(ErrSyntax, "invalid literal")
	}
	p.pos += len(lit)
	return nil
}

func (p *parser) object(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, p.errorf(ErrDepth, "object")
	}
	p.pos++ // '{'
	v := Value{Kind: Object, Members: []Member{}}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return Value{}, p.errorf(ErrSyntax, "expected member name")
		}
		keyPos := p.pos
		key, err := p.string()
		if err != nil {
			return Value{}, err
		}
		for i := range v.Members {
			if v.Members[i].Key == key {
				p.pos = keyPos
				return Value{}, p.errorf(ErrDuplicateKey, "member "+key)
			}
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return Value{}, p.errorf(ErrSyntax, "expected ':'")
		}
		p.pos++
		p.skipSpace()
		val, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		v.Members = append(v.Members, Member{Key: key, Value: val})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return Value{}, p.errorf(ErrSyntax, "unterminated object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return v, nil
		default:
			return Value{}, p.errorf(ErrSyntax, "expected ',' or '}'")
		}
	}
}

func (p *parser) array(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, p.errorf(ErrDepth, "array")
	}
	p.pos++ // '['
	v := Value{Kind: Array, Elems: []Value{}}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		val, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		v.Elems = append(v.Elems, val)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return Value{}, p.errorf(ErrSyntax, "unterminated array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return v, nil
		default:
			return Value{}, p.errorf(ErrSyntax, "expected ',' or ']'")
		}
	}
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and returns its text.
func (p *parser) number() (string, error) {
	start := p.pos
	d := p.data
	if p.pos < len(d) && d[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
	case p.pos < len(d) && d[p.pos] >= '1' && d[p.pos] <= '9':
		p.digits()
	default:
		return "", p.errorf(ErrSyntax, "invalid number")
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return "", p.errorf(ErrSyntax, "invalid number fraction")
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return "", p.errorf(ErrSyntax, "invalid number exponent")
		}
	}
	return string(d[start:p.pos]), nil
}

func (p *parser) digits() int {
	n := 0
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
		n++
	}
	return n
}

// string scans a quoted string at p.pos and returns its decoded text.
func (p *parser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	d := p.data
	// Fast path: no escapes.
	for p.pos < len(d) {
		c := d[p.pos]
		if c == '"' {
			s := d[start:p.pos]
			if !utf8.Valid(s) {
				return "", p.errorf(ErrUTF8, "string")
			}
			p.pos++
			return string(s), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errorf(ErrSyntax, "control character in string")
		}
		p.pos++
	}
	buf := make([]byte, 0, p.pos-start+16)
	buf = append(buf, d[start:p.pos]...)
	for {
		if p.pos >= len(d) {
			return "", p.errorf(ErrSyntax, "unterminated string")
		}
		c := d[p.pos]
		switch {
		case c == '"':
			p.pos++
			if !utf8.Valid(buf) {
				return "", p.errorf(ErrUTF8, "string")
			}
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf(ErrSyntax, "control character in string")
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		p.pos++ // backslash
		if p.pos >= len(d) {
			return "", p.errorf(ErrSyntax, "unterminated escape")
		}
		e := d[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errorf(ErrSyntax, "invalid \\u escape")
			}
			switch {
			case r >= 0xD800 && r < 0xDC00:
				// High surrogate: a low surrogate escape must follow.
				if p.pos+2 > len(d) || d[p.pos] != '\\' || d[p.pos+1] != 'u' {
					return "", p.errorf(ErrUTF8, "unpaired surrogate")
				}
				p.pos += 2
				r2, ok := p.hex4()
				if !ok {
					return "", p.errorf(ErrSyntax, "invalid \\u escape")
				}
				if r2 < 0xDC00 || r2 >= 0xE000 {
					return "", p.errorf(ErrUTF8, "unpaired surrogate")
				}
				r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
			case r >= 0xDC00 && r < 0xE000:
				return "", p.errorf(ErrUTF8, "unpaired surrogate")
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errorf(ErrSyntax, "invalid escape")
		}
	}
}

func (p *parser) hex4() (rune, bool) {
	if len(p.data)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}
