// Package jsonv reads and writes the few JSON shapes the browser player
// exchanges with the API without encoding/json: reflection-based decoding
// (and the fmt it brings) is a third of the player module's code. Parse
// gives a tree of Values with lenient accessors (a missing key or a value
// of another type reads as the zero value); Encode writes flat objects.
package jsonv

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrSyntax reports input that is not one well-formed JSON value.
var ErrSyntax = errors.New("jsonv: invalid JSON")

// maxDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxDepth = 200

// Kind is a JSON value's type.
type Kind uint8

// The kinds; the zero Value is Null (also what a missing key reads as).
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is one parsed JSON value.
type Value struct {
	kind  Kind
	b     bool
	s     string // String's text, Number's literal
	items []Value
	keys  []string // Object's keys, in order; items holds the values
}

// Parse parses b, which must hold exactly one JSON value.
func Parse(b []byte) (Value, error) {
	p := parser{b: b}
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.space()
	if p.i != len(b) {
		return Value{}, p.fail("data after the value")
	}
	return v, nil
}

// Kind returns v's type.
func (v Value) Kind() Kind { return v.kind }

// Get returns the value of key in object v (the last, if repeated), or
// Null.
//
// Not inlined: the player's decoders call it ~70 times, and each inlined
// copy (a loop and a 72-byte Value copy) costs ~150 bytes of Wasm code.
//
//go:noinline
func (v Value) Get(key string) Value {
	if v.kind != Object {
		return Value{}
	}
	for i := len(v.keys) - 1; i >= 0; i-- {
		if v.keys[i] == key {
			return v.items[i]
		}
	}
	return Value{}
}

// Has reports whether object v has key.
func (v Value) Has(key string) bool {
	for _, k := range v.keys {
		if k == key {
			return v.kind == Object
		}
	}
	return false
}

// Items returns array v's elements, nil for other kinds.
func (v Value) Items() []Value {
	if v.kind != Array {
		return nil
	}
	return v.items
}

// Str returns string v's text, "" for other kinds.
func (v Value) Str() string {
	if v.kind != String {
		return ""
	}
	return v.s
}

// Text returns a string's text or a number's literal: for ids the API
// sends either way.
func (v Value) Text() string {
	if v.kind == String || v.kind == Number {
		return v.s
	}
	return ""
}

// Float returns number v, 0 for other kinds.
func (v Value) Float() float64 {
	if v.kind != Number {
		return 0
	}
	f, _ := strconv.ParseFloat(v.s, 64)
	return f
}

// Int64 returns number v as an int64, 0 for other kinds and for numbers that
// are not integers in range.
func (v Value) Int64() int64 {
	if v.kind != Number {
		return 0
	}
	if n, err := strconv.ParseInt(v.s, 10, 64); err == nil {
		return n
	}
	f := v.Float()
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0
	}
	return int64(f)
}

// Int is Int64 as an int.
func (v Value) Int() int { return int(v.Int64()) }

// Bool returns boolean v, false for other kinds.
func (v Value) Bool() bool { return v.kind == Bool && v.b }

type parser struct {
	b []byte
	i int
}

func (p *parser) fail(what string) error {
	return errors.Join(ErrSyntax, errors.New("jsonv: "+what+" at offset "+strconv.Itoa(p.i)))
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) literal(word string) bool {
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

func (p *parser) value(depth int) (Value, error) {
	if depth > maxDepth {
		return Value{}, p.fail("nesting too deep")
	}
	p.space()
	if p.i >= len(p.b) {
		return Value{}, p.fail("unexpected end")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return Value{kind: String, s: s}, err
	case c == 't' && p.literal("true"):
		return Value{kind: Bool, b: true}, nil
	case c == 'f' && p.literal("false"):
		return Value{kind: Bool}, nil
	case c == 'n' && p.literal("null"):
		return Value{}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return Value{}, p.fail("unexpected character")
}

func (p *parser) object(depth int) (Value, error) {
	p.i++ // {
	v := Value{kind: Object}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return Value{}, p.fail("object key expected")
		}
		k, err := p.str()
		if err != nil {
			return Value{}, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return Value{}, p.fail("':' expected")
		}
		p.i++
		item, err := p.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		v.keys = append(v.keys, k)
		v.items = append(v.items, item)
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return v, nil
		}
		return Value{}, p.fail("',' or '}' expected")
	}
}

func (p *parser) array(depth int) (Value, error) {
	p.i++ // [
	v := Value{kind: Array}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		item, err := p.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		v.items = append(v.items, item)
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return v, nil
		}
		return Value{}, p.fail("',' or ']' expected")
	}
}

// number reads a number in JSON's grammar.
func (p *parser) number() (Value, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.b[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return Value{}, p.fail("digit expected")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return Value{}, p.fail("digit expected")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return Value{}, p.fail("digit expected")
		}
	}
	return Value{kind: Number, s: string(p.b[start:p.i])}, nil
}

// str reads a string literal; invalid UTF-8 and lone surrogates become
// U+FFFD, as encoding/json does.
func (p *parser) str() (string, error) {
	p.i++ // "
	var out []byte
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(out), nil
		case c < 0x20:
			return "", p.fail("control character in string")
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return "", p.fail("unexpected end")
			}
			e := p.b[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", p.fail("bad \\u escape")
				}
				if utf16.IsSurrogate(r) {
					save := p.i
					if p.literal("\\u") {
						if r2, ok := p.hex4(); ok {
							if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
								out = utf8.AppendRune(out, d)
								continue
							}
						}
					}
					p.i = save
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", p.fail("bad escape")
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			p.i++
		default:
			r, n := utf8.DecodeRune(p.b[p.i:])
			out = utf8.AppendRune(out, r)
			p.i += n
		}
	}
	return "", p.fail("unterminated string")
}

func (p *parser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}
