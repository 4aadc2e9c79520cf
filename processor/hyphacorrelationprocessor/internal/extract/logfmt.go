package extract

import "strings"

// sdElement opens the RFC 5424 structured-data element the OTel spec
// defines for trace context.
const sdElement = "[opentelemetry "

// scanLogfmt reads key=value pairs anywhere in a text line: logfmt (slog's
// TextHandler, logrus), Java MDC patterns, Python's default OTel format and
// the syslog structured-data element, whose params share the syntax.
//
// Text inside double quotes is a value, never keys: `msg="retry trace_id=x"`
// yields nothing. A key must be a whole token: the byte before it has to be
// a separator (space, tab, '[', '(', '{', ',', ';', '|') or the line start, so
// xtrace_id= and ?trace_id= in a URL do not match.
func (e *Extractor) scanLogfmt(s string, r *Result) {
	sdStart, sdEnd := -1, -1 // found on the first key that matters
	i := 0
	for i < len(s) {
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return
		}
		eq += i
		k := eq
		for k > i && isKeyByte(s[k-1]) {
			k--
		}
		// A quote before the key opens a value that may hide this '='. Key
		// bytes are never quotes, and what lies between the last value
		// and the key is mostly one space, too short for IndexByte's call.
		q := i
		for q < k && s[q] != '"' {
			q++
		}
		if q < k {
			end := stringEnd(s, q+1)
			if end < 0 {
				return
			}
			i = end + 1
			continue
		}
		val, next := logfmtValue(s, eq+1)
		if k < eq && (k == 0 || isKeySep(s[k-1])) {
			if f := e.Classify(s[k:eq]); f != FieldNone {
				if sdStart == -1 {
					sdStart, sdEnd = findSD(s)
				}
				r.src = FormatLogfmt
				if k > sdStart && k < sdEnd {
					r.src = FormatSyslogSD
				}
				r.SetString(f, val)
			}
		}
		i = next
	}
}

// logfmtValue returns the value starting at s[i], quoted or bare, and the
// index after it.
func logfmtValue(s string, i int) (string, int) {
	if i < len(s) && s[i] == '"' {
		end := stringEnd(s, i+1)
		if end < 0 {
			return s[i+1:], len(s)
		}
		return s[i+1 : end], end + 1
	}
	j := i
	for j < len(s) && !isValueEnd(s[j]) {
		j++
	}
	return s[i:j], j
}

// findSD returns the extent of the [opentelemetry ...] element, or -2, -2
// when there is none.
func findSD(s string) (start, end int) {
	start = strings.Index(s, sdElement)
	if start < 0 {
		return -2, -2
	}
	end = strings.IndexByte(s[start:], ']')
	if end < 0 {
		return start, len(s)
	}
	return start, start + end
}

// byteClass sorts bytes for the key=value and JSON scanners; a table
// look-up is cheaper than a chain of comparisons on every byte of a value.
var byteClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= classKey
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= classKey
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= classKey
	}
	for _, c := range "_.-@" {
		t[c] |= classKey
	}
	for _, c := range " \t[({,;|" {
		t[c] |= classKeySep
	}
	for _, c := range " \t])},;\"" {
		t[c] |= classValueEnd
	}
	for _, c := range ",}] \t\n\r" {
		t[c] |= classTokenEnd
	}
	return t
}()

const (
	classKey uint8 = 1 << iota
	classKeySep
	classValueEnd
	classTokenEnd // ends a bare JSON token (number, true, false, null)
)

func isKeyByte(c byte) bool  { return byteClass[c]&classKey != 0 }
func isKeySep(c byte) bool   { return byteClass[c]&classKeySep != 0 }
func isValueEnd(c byte) bool { return byteClass[c]&classValueEnd != 0 }
