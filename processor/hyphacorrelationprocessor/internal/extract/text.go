// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// scanText runs every text scanner over a line that is not JSON. Each one
// only records ids, except scanHeader, which reads the leading time and
// level; a line where two scanners' ids disagree is settled by Finish.
func (e *Extractor) scanText(s string, r *Result) {
	body := scanHeader(s, r)
	e.scanLogfmt(s, r)
	e.scanLTSV(s, r)
	if body == 0 || body >= 2 && s[body-2] == ' ' && s[body-1] == ' ' {
		// tracing writes its time, then two blanks (its level is padded),
		// or no time at all (span lines "in … with …"): the only lines
		// whose colons are worth a search. A line that starts with another
		// logger's time and one blank (Python's, Go's) is spared it.
		e.scanKeyColon(s, body, r)
	}
	scanBrackets(s[body:], r)
	scanTraceparent(s, body, r)
}

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
			if isXRayStart(s[q+1 : end]) {
				scanXRayText(s[q+1:end], r) // an ALB access log's trace field
			}
			i = end + 1
			continue
		}
		val, next := logfmtValue(s, eq+1)
		if k == eq && strings.HasPrefix(s[eq:], "=> ") && (eq == 0 || s[eq-1] == ' ') {
			scanDotnetScope(s[eq+3:], r) // .NET's "=> SpanId:…, TraceId:…"
		}
		if k < eq && (k == 0 || isKeySep(s[k-1])) {
			f := e.Classify(s[k:eq])
			if f == fieldXRayTrace && (eq+1 == len(s) || s[eq+1] != '"') {
				// A bare header value keeps its ';'-separated fields.
				next = eq + 1 + xrayHeaderEnd(s[eq+1:])
				val = s[eq+1 : next]
			}
			if f == FieldNone && eq-k == len("Root") && isXRayStart(s[k:]) {
				scanXRayText(s[k:], r) // X-Amzn-Trace-Id: Root=…
			}
			if f != FieldNone {
				if sdStart == -1 {
					sdStart, sdEnd = findSD(s)
				}
				r.src = formatLogfmt
				if k > sdStart && k < sdEnd {
					r.src = formatSyslogSD
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

// scanLTSV reads Labeled Tab-separated Values: label:value fields separated
// by tabs. The label runs to the first ':' of a field, so values may contain
// colons (times, addresses).
func (e *Extractor) scanLTSV(s string, r *Result) {
	if strings.IndexByte(s, '\t') < 0 {
		return
	}
	for s != "" {
		field := s
		if t := strings.IndexByte(s, '\t'); t >= 0 {
			field, s = s[:t], s[t+1:]
		} else {
			s = ""
		}
		c := strings.IndexByte(field, ':')
		if c <= 0 {
			continue
		}
		if f := e.Classify(field[:c]); f != FieldNone {
			r.src = formatLTSV
			r.SetString(f, field[c+1:])
		}
	}
}

// Lengths of the bracketed correlation blocks Spring writes.
const (
	springLen      = 32 + 1 + 16 + 1                    // <32 hex>-<16 hex>]
	maxSleuthApp   = 100                                // longest application name we accept before the first comma
	maxSleuthBlock = maxSleuthApp + 1 + 32 + 1 + 16 + 1 // app,<32 hex>,<16 hex>]
	minSleuthBlock = 1 + 16 + 1 + 16                    // ,<16 hex>,<16 hex> (no app name)
)

// scanBrackets finds Spring Boot 3's "[<32 hex>-<16 hex>]" and the
// Sleuth-style "[app,<trace>,<span>]" blocks. Only these exact shapes match:
// the bracket, separators and hex of exactly the right lengths; "[app,,]" is
// Spring's way of saying there is no span.
func scanBrackets(s string, r *Result) {
	for {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			return
		}
		s = s[i+1:]
		if !matchSpring(s, r) {
			matchSleuth(s, r)
		}
	}
}

func matchSpring(s string, r *Result) bool {
	if len(s) < springLen || s[32] != '-' || s[springLen-1] != ']' {
		return false
	}
	var trace [16]byte
	var span [8]byte
	if !decodeHex(trace[:], s[:32]) || !decodeHex(span[:], s[33:49]) {
		return false
	}
	setBracketIDs(trace, span, formatSpring, r)
	return true
}

func matchSleuth(s string, r *Result) {
	// The block must close within the longest name and two ids, so a line
	// with many '[' is not searched to its end from each one.
	end := strings.IndexByte(s[:min(len(s), maxSleuthBlock)], ']')
	if end < minSleuthBlock {
		return // also a short word in brackets, such as a thread name
	}
	block := s[:end] // app,trace,span
	app := strings.IndexByte(block, ',')
	if app < 0 || app > maxSleuthApp || strings.IndexByte(block[:app], '[') >= 0 {
		return
	}
	ids := block[app+1:]
	traceEnd := strings.IndexByte(ids, ',')
	if traceEnd != 16 && traceEnd != 32 || len(ids) != traceEnd+1+16 {
		return
	}
	var trace [16]byte
	var span [8]byte
	if !decodeHex(trace[16-traceEnd/2:], ids[:traceEnd]) || !decodeHex(span[:], ids[traceEnd+1:]) {
		return
	}
	setBracketIDs(trace, span, formatSleuth, r)
}

// setBracketIDs records a trace and span found together; zeros mean none.
func setBracketIDs(trace [16]byte, span [8]byte, f Format, r *Result) {
	if trace == [16]byte{} {
		return
	}
	r.setTrace(trace, f)
	if span != [8]byte{} {
		r.setSpan(span, spanPrimary)
	}
}
