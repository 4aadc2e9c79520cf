// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

// maxSkipDepth bounds the nesting the JSON skipper follows. Skipping counts
// brackets instead of recursing, so the bound is about giving up early on
// garbage, not about the stack.
const maxSkipDepth = 1000

// scanJSON reads the JSON object that is the whole of s (trimmed), top-level
// keys plus the members of the few nested objects Classify marks as Nested.
// It reports whether s is such an object; for a line that is not (cut short,
// malformed, or followed by more text) it reports false and r may hold
// partial results, which the caller discards.
//
// Reading stops as soon as the rest of the line cannot change the result
// (see lacksSettledFields): loggers write level, time and service first and
// the ids early, so most lines skip much of their parsing.
func (e *Extractor) scanJSON(s string, r *Result) bool {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' || s[len(s)-1] != '}' {
		return false
	}
	end, n := e.scanObject(s, i+1, FieldNone, 0, r, true)
	return n > 0 && (end == len(s) || end == stoppedEarly)
}

// maxWalkDepth bounds the nesting at which objects and arrays are still
// read for trace context; deeper ones are skipped.
const maxWalkDepth = 8

// scanObject reads members from s[i:], just after a '{', until the matching
// '}'. parent is FieldNone at the top level (depth 0). It returns the index
// after the object, or -1 on malformed or truncated input, and how many
// members it read.
//
// With stopWhenDone it returns stoppedEarly once the rest of s cannot
// change the result (see lacksSettledFields).
func (e *Extractor) scanObject(s string, i int, parent Field, depth int, r *Result, stopWhenDone bool) (end, members int) {
	wait := 0 // the index reading must pass before keyAhead is asked again
	for {
		if members > 0 && i+1 < len(s) && s[i] == ',' && s[i+1] == '"' {
			// Compact JSON, the common case: the next key follows the comma.
			i++
		} else {
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
		}
		// stringEnd, inlined by hand: a call per key is a measurable share
		// of a line's time.
		q := indexQuote(s, i+1)
		if q <= i+1 || s[q-1] == '\\' {
			if q = stringEndEscaped(s, i+1, q); q < 0 {
				return -1, members
			}
		}
		key := s[i+1 : q]
		if q+1 < len(s) && s[q+1] == ':' {
			i = q + 2
		} else {
			i = skipSpace(s, q+1)
			if i >= len(s) || s[i] != ':' {
				return -1, members
			}
			i++
		}
		i = skipSpace(s, i)
		var f Field
		if parent == FieldNone {
			f = e.Classify(key)
		} else {
			f = e.ClassifyIn(parent, key)
		}
		if i < len(s) && s[i] == '"' {
			// Strings, the commonest values, skip scanValue's switch.
			i = stringValue(s, i, f, r)
		} else {
			if i < len(s) && (s[i] == '{' || s[i] == '[') && !f.Nested() && parent != fieldSkip {
				f = containerField(key, f)
			}
			i = e.scanValue(s, i, f, depth, r)
		}
		if i < 0 {
			return -1, members
		}
		members++
		// A key keyAhead found stays ahead until reading passes it, so each
		// byte is searched about once however many members follow:
		// searching after every member would read long lines over and over.
		if stopWhenDone && i > wait && !r.lacksSettledFields() {
			if wait = e.keyAhead(s, i, r.HasTrace || r.Rejected != 0); wait < 0 {
				return stoppedEarly, members
			}
		}
	}
}

// scanValue reads the value at s[i] under a key of Field f, in an object
// at the given depth, and returns the index after it, or -1.
func (e *Extractor) scanValue(s string, i int, f Field, depth int, r *Result) int {
	if i >= len(s) {
		return -1
	}
	switch s[i] {
	case '"':
		return stringValue(s, i, f, r)
	case '{', '[':
		if f == fieldContainer && !r.inNested {
			return e.scanNested(s, i, r)
		}
		if depth >= maxWalkDepth {
			return skipComposite(s, i)
		}
		if s[i] == '{' && f.Nested() {
			end, _ := e.scanObject(s, i+1, f, depth+1, r, false)
			return end
		}
		if s[i] == '[' && (f == fieldScopes || f == fieldSpanList || f == fieldContainer) {
			return e.scanObjects(s, i+1, f, depth+1, r)
		}
		return skipComposite(s, i)
	}
	// Most bare values are non-negative integers (levels, epoch times,
	// pids, ports): find their digits a word at a time, and read their
	// value only under a key that matters. Up to 18 digits cannot overflow
	// an int64. Any other token (true, false, null, a negative, fractional
	// or longer number) is left to setToken.
	j := digitsEnd(s, i, 18)
	if j == i || j < len(s) && !isTokenEnd(s[j]) {
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
	if f != FieldNone {
		var n int64
		for k := i; k < j; k++ {
			n = n*10 + int64(s[k]-'0')
		}
		r.SetInt(f, n)
	}
	return j
}

// scanNested reads the object or array at s[i], a top-level member that
// is no known trace-context object, into a Result of its own, whose ids
// rank below the record's own (see nestedIDs). It returns the index after
// it, or -1.
func (e *Extractor) scanNested(s string, i int, r *Result) int {
	n := Result{src: r.src, inNested: true}
	end := e.scanValue(s, i, fieldContainer, 1, &n)
	if end >= 0 {
		r.addNested(&n)
	}
	return end
}

// stringValue reads the string value whose opening quote is s[i] under a key
// of Field f and returns the index after it, or -1.
func stringValue(s string, i int, f Field, r *Result) int {
	q := indexQuote(s, i+1) // stringEnd, inlined by hand
	if q <= i+1 || s[q-1] == '\\' {
		if q = stringEndEscaped(s, i+1, q); q < 0 {
			return -1
		}
	}
	if f != FieldNone {
		r.SetString(f, s[i+1:q])
	} else if r.inNested {
		if n := q - i - 1; n == traceparentLen && s[i+1] == '0' || n > len("Root=1-") && s[i+1] == 'R' {
			r.setCarrierValue(s[i+1 : q])
		}
	}
	return q + 1
}

// scanObjects reads the array of objects under a top-level key of Field
// parent, with s[i] just after its '['. In .NET's "Scopes" every object is
// read. In tracing-subscriber's "spans", which lists the open spans root
// first, only the last element is, if it is an object: the span the event
// was logged in. The outer spans' span ids are its ancestors', which would
// conflict with it.
func (e *Extractor) scanObjects(s string, i int, parent Field, depth int, r *Result) int {
	last := -1 // the last element's '{', for "spans"
	for n := 0; ; n++ {
		i = skipSpace(s, i)
		if i >= len(s) {
			return -1
		}
		if s[i] == ']' {
			break
		}
		if n > 0 {
			if s[i] != ',' {
				return -1
			}
			i = skipSpace(s, i+1)
		}
		switch {
		case i < len(s) && s[i] == '{' && parent != fieldSpanList:
			i, _ = e.scanObject(s, i+1, parent, depth, r, false)
		case parent == fieldContainer:
			// Nested arrays, and strings that may be whole headers.
			f := FieldNone
			if i < len(s) && s[i] == '[' {
				f = fieldContainer
			}
			i = e.scanValue(s, i, f, depth, r)
		default:
			last = -1
			if i < len(s) && s[i] == '{' {
				last = i
			}
			i = e.scanValue(s, i, FieldNone, maxWalkDepth, r)
		}
		if i < 0 {
			return -1
		}
	}
	if last >= 0 {
		if end, _ := e.scanObject(s, last+1, parent, depth, r, false); end < 0 {
			return -1
		}
	}
	return i + 1
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
	case fieldTime, fieldCLEFTime, fieldDatadogTraceID, fieldDatadogSpanID:
		// Fractional epochs and ids above MaxInt64 keep every digit when
		// parsed as text.
		r.SetString(f, tok)
	default:
		if x, ok := parseFloat(tok); ok {
			r.SetDouble(f, x)
		}
	}
}
