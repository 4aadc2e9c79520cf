// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// The text formats in this file name no key: their ids are known by their
// place in a fixed shape. Spring's and Sleuth's bracketed blocks,
// OpenTelemetry Java's logging exporters, New Relic's NR-LINKING block and
// a W3C traceparent anywhere in a line. Only the exact shapes match, so
// that hex elsewhere in a line is never taken for an id.

// Lengths of the bracketed correlation blocks Spring writes.
const (
	springLen      = 32 + 1 + 16 + 1                    // <32 hex>-<16 hex>]
	maxSleuthApp   = 100                                // longest application name we accept before the first comma
	maxSleuthBlock = maxSleuthApp + 1 + 32 + 1 + 16 + 7 // app,<32 hex>,<16 hex>,false]
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
	if traceEnd != 16 && traceEnd != 32 || len(ids) < traceEnd+1+16 {
		return
	}
	// Sleuth 1 and 2 add whether the span is exported (their default
	// layout, "[app,trace,span,true]").
	if export := ids[traceEnd+1+16:]; export != "" && export != ",true" && export != ",false" {
		return
	}
	ids = ids[:traceEnd+1+16]
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

// scanJavaExporter reads the lines of OpenTelemetry Java's logging
// exporters, where the ids' position says what they are:
//
//	'name' : <trace> <span> KIND [tracer: …] …              LoggingSpanExporter
//	<time> INFO 'body' : <trace>:<span> [scopeInfo: …] …   SystemOutLogRecordExporter
//
// Only these exact shapes count: a quote, " : ", 32 and 16 hex digits, and
// the words that follow them.
func scanJavaExporter(s string, r *Result) {
	for {
		i := strings.Index(s, "' : ")
		if i < 0 {
			return
		}
		s = s[i+4:]
		if len(s) < 32+1+16+1 || s[32] != ' ' && s[32] != ':' || s[49] != ' ' {
			continue
		}
		rest := s[50:]
		if s[32] == ':' && !strings.HasPrefix(rest, "[scopeInfo: ") ||
			s[32] == ' ' && !spanKindThenTracer(rest) {
			continue
		}
		var trace [16]byte
		var span [8]byte
		if decodeHex(trace[:], s[:32]) && decodeHex(span[:], s[33:49]) {
			setBracketIDs(trace, span, formatJavaExporter, r)
		}
	}
}

// spanKindThenTracer reports whether s starts with a span kind and
// " [tracer: ".
func spanKindThenTracer(s string) bool {
	kind, rest, ok := strings.Cut(s, " ")
	if !ok {
		return false
	}
	switch kind {
	case "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER":
		return strings.HasPrefix(rest, "[tracer: ")
	}
	return false
}

// scanTraceparent finds W3C traceparent values (version 00) anywhere in a
// text line. The value must stand alone: the bytes on either side may not
// continue a word or hex run, so "ab00-<32 hex>-..." and file names built
// from ids do not match. Its span id ranks as a fallback, see setTraceparent.
// The search starts at s[from:], past a leading time whose '-' would only
// cost searches. New Relic's "NR-LINKING|…" is found by the same '-'.
func scanTraceparent(s string, from int, r *Result) {
	// Every "00-" is found by its '-', which log lines hold far fewer of than
	// '0' (the byte strings.Index would look for first).
	for i := max(from, 2); i < len(s); {
		d := strings.IndexByte(s[i:], '-')
		if d < 0 {
			return
		}
		p := i + d - 2
		i += d + 1
		if s[p] != '0' || s[p+1] != '0' {
			if s[p] == 'N' && strings.HasPrefix(s[p:], nrLinking) {
				scanNRLinking(s[p+len(nrLinking):], r)
			}
			continue
		}
		if len(s)-p < traceparentLen || p > 0 && (isWordByte(s[p-1]) || s[p-1] == '.') ||
			len(s)-p > traceparentLen && isWordByte(s[p+traceparentLen]) {
			continue
		}
		// A shape that is not a traceparent was never under a trace key:
		// it is not counted as rejected.
		if tp, st := parseTraceparent(s[p : p+traceparentLen]); st == idValid {
			r.setTraceparent(tp, formatTraceparent)
		}
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// nrLinking starts the block New Relic's agents append to a log line when
// they decorate it locally:
// NR-LINKING|<entity.guid>|<hostname>|<trace.id>|<span.id>|<entity.name>|
const nrLinking = "NR-LINKING|"

// scanNRLinking reads the trace and span ids of New Relic's block, s
// being what follows "NR-LINKING|". The ids count only in their places,
// the fourth and fifth fields, each exactly 32 (or 16) and 16 hex digits.
func scanNRLinking(s string, r *Result) {
	var fields [5]string
	for n := range fields {
		bar := strings.IndexByte(s, '|')
		if bar < 0 {
			return
		}
		fields[n], s = s[:bar], s[bar+1:]
	}
	trace, span := fields[2], fields[3]
	var t [16]byte
	var sp [8]byte
	switch len(trace) {
	case 32:
		if !decodeHex(t[:], trace) {
			return
		}
	case 16:
		if !decodeHex(t[8:], trace) {
			return
		}
	default:
		return
	}
	if span != "" && !decodeHex(sp[:], span) {
		return
	}
	setBracketIDs(t, sp, formatNRLinking, r)
}
