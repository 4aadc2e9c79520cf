package extract

import (
	"math/bits"
	"strconv"
)

// maxSkipDepth bounds the nesting the JSON skipper follows. Skipping counts
// brackets instead of recursing, so the bound is about giving up early on
// garbage, not about the stack.
const maxSkipDepth = 1000

// scanJSON reads the JSON object at the start of s, top-level keys plus the
// members of the few nested objects Classify marks as Nested. It reports
// whether s looked like JSON: at least one member parsed. A line cut short
// keeps what was read before the cut.
func (e *Extractor) scanJSON(s string, r *Result) bool {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return false
	}
	_, n := e.scanObject(s, i+1, FieldNone, r)
	return n > 0
}

// scanObject reads members from s[i:], just after a '{', until the matching
// '}'. parent is FieldNone at the top level. It returns the index after the
// object, or -1 on malformed or truncated input, and how many members it read.
func (e *Extractor) scanObject(s string, i int, parent Field, r *Result) (end, members int) {
	for {
		i = skipSpace(s, i)
		if i >= len(s) {
			return -1, members
		}
		if s[i] == '}' {
			return i + 1, members
		}
		if members > 0 {
			if s[i] != ',' {
				return -1, members
			}
			i = skipSpace(s, i+1)
		}
		if i >= len(s) || s[i] != '"' {
			return -1, members
		}
		q := stringEnd(s, i+1)
		if q < 0 {
			return -1, members
		}
		key := s[i+1 : q]
		i = skipSpace(s, q+1)
		if i >= len(s) || s[i] != ':' {
			return -1, members
		}
		i = skipSpace(s, i+1)
		var f Field
		if parent == FieldNone {
			f = e.Classify(key)
		} else {
			f = e.ClassifyIn(parent, key)
		}
		if i = e.scanValue(s, i, f, parent == FieldNone, r); i < 0 {
			return -1, members
		}
		members++
	}
}

// scanValue reads the value at s[i] under a key of Field f and returns the
// index after it, or -1.
func (e *Extractor) scanValue(s string, i int, f Field, top bool, r *Result) int {
	if i >= len(s) {
		return -1
	}
	switch s[i] {
	case '"':
		q := stringEnd(s, i+1)
		if q < 0 {
			return -1
		}
		if f != FieldNone {
			r.SetString(f, s[i+1:q])
		}
		return q + 1
	case '{':
		if top && f.Nested() {
			end, _ := e.scanObject(s, i+1, f, r)
			return end
		}
		return skipComposite(s, i)
	case '[':
		if top && f == FieldScopes {
			return e.scanScopes(s, i+1, r)
		}
		return skipComposite(s, i)
	}
	j := i
	for j < len(s) && !isTokenEnd(s[j]) {
		j++
	}
	if j == i {
		return -1
	}
	if f != FieldNone {
		r.setToken(f, s[i:j])
	}
	return j
}

// scanScopes reads the array of .NET logging scopes, looking into each
// object in it.
func (e *Extractor) scanScopes(s string, i int, r *Result) int {
	for n := 0; ; n++ {
		i = skipSpace(s, i)
		if i >= len(s) {
			return -1
		}
		if s[i] == ']' {
			return i + 1
		}
		if n > 0 {
			if s[i] != ',' {
				return -1
			}
			i = skipSpace(s, i+1)
		}
		if i < len(s) && s[i] == '{' {
			i, _ = e.scanObject(s, i+1, FieldScopes, r)
		} else {
			i = e.scanValue(s, i, FieldNone, false, r)
		}
		if i < 0 {
			return -1
		}
	}
}

// setToken interprets a bare JSON token: a number, true, false or null.
func (r *Result) setToken(f Field, tok string) {
	switch tok {
	case "true":
		r.SetBool(f, true)
		return
	case "false":
		r.SetBool(f, false)
		return
	case "null":
		return
	}
	if n, ok := parseInt(tok); ok {
		r.SetInt(f, n)
		return
	}
	switch f {
	case FieldTime, FieldCLEFTime, FieldDatadogTraceID, FieldDatadogSpanID:
		// Fractional epochs and ids above MaxInt64 keep every digit when
		// parsed as text.
		r.SetString(f, tok)
	default:
		if x, ok := parseFloat(tok); ok {
			r.SetDouble(f, x)
		}
	}
}

// skipComposite skips the object or array at s[i] by counting brackets, and
// returns the index after it, or -1.
func skipComposite(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			if i = stringEnd(s, i+1); i < 0 {
				return -1
			}
		case '{', '[':
			if depth++; depth > maxSkipDepth {
				return -1
			}
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// stringEnd returns the index of the quote that closes the string whose
// content starts at s[i], or -1. It looks at eight bytes at a time for a
// quote or a backslash: string values are most of a JSON log line.
func stringEnd(s string, i int) int {
	for i < len(s) {
		if i+8 <= len(s) {
			x := load64(s, i)
			m := hasByte(x, '"') | hasByte(x, '\\')
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
		}
		switch s[i] {
		case '"':
			return i
		case '\\':
			i += 2
		default:
			i++
		}
	}
	return -1
}

// load64 reads eight bytes little-endian; the compiler merges the loads.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hasByte sets the high bit of each byte of x that equals b. Bytes above
// the first match may be set spuriously; only the lowest one is used.
func hasByte(x uint64, b byte) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	y := x ^ (lo * uint64(b))
	return (y - lo) &^ y & hi
}

// skipSpace skips JSON whitespace. Compact JSON has none, so one
// comparison settles the common case.
func skipSpace(s string, i int) int {
	for i < len(s) && s[i] <= ' ' && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func isTokenEnd(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func parseFloat(s string) (float64, bool) {
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil
}
