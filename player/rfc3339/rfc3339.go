// Package rfc3339 reads and writes RFC 3339 timestamps as time.Parse and
// time.Format do with time.RFC3339Nano, without their layout engine: it
// is ~60 KB of code in the browser player's module, which only ever needs
// this one layout (stored token expiry, the devices API's last_seen).
package rfc3339

import (
	"errors"
	"strconv"
	"time"

	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// ErrSyntax means a string is not an RFC 3339 timestamp.
var ErrSyntax = errors.New("rfc3339: malformed timestamp")

// Parse reads "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)". Whatever it
// accepts, time.Parse(time.RFC3339Nano, s) accepts as the same instant.
func Parse(s string) (time.Time, error) {
	bad := func() (time.Time, error) { return time.Time{}, errdetail.Wrap(ErrSyntax, strconv.Quote(s)) }
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return bad()
	}
	year, ok1 := num(s[0:4])
	month, ok2 := num(s[5:7])
	day, ok3 := num(s[8:10])
	hour, ok4 := num(s[11:13])
	minute, ok5 := num(s[14:16])
	sec, ok6 := num(s[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || sec > 59 {
		return bad()
	}
	rest := s[19:]
	nsec := 0
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			if i <= 9 {
				nsec = nsec*10 + int(rest[i]-'0')
			}
			i++
		}
		if i == 1 {
			return bad()
		}
		for k := i; k <= 9; k++ {
			nsec *= 10
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, ok1 := num(rest[1:3])
		m, ok2 := num(rest[4:6])
		if !ok1 || !ok2 || h > 23 || m > 59 {
			return bad()
		}
		if offset = (h*60 + m) * 60; rest[0] == '-' {
			offset = -offset
		}
	default:
		return bad()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if offset != 0 {
		t = t.Add(-time.Duration(offset) * time.Second).In(time.FixedZone("", offset))
	}
	return t, nil
}

// num reads a string of decimal digits.
func num(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Format writes t in UTC as t.UTC().Format(time.RFC3339Nano) does.
func Format(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	b := pad(nil, year, 4)
	b = pad(append(b, '-'), int(month), 2)
	b = pad(append(b, '-'), day, 2)
	b = pad(append(b, 'T'), hour, 2)
	b = pad(append(b, ':'), minute, 2)
	b = pad(append(b, ':'), sec, 2)
	if ns := t.Nanosecond(); ns != 0 {
		frac := pad(nil, ns, 9)
		for frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		b = append(append(b, '.'), frac...)
	}
	return string(append(b, 'Z'))
}

// pad appends n in decimal, zero-padded to width digits (after a '-').
func pad(b []byte, n, width int) []byte {
	if n < 0 {
		b, n = append(b, '-'), -n
	}
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
