// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// scanKeyColon reads trace context written as "key: value" pairs in
// s[from:] (past a leading time): Rust tracing's fields ("…, trace_id:
// 4bf9…, span_id: 00f0…"), HTTP header dumps ("X-B3-TraceId: 463a…",
// Go's map[X-B3-Traceid:[463a…]]), gorouter's and Cloud Foundry's
// key:"value", Python's and JavaScript's printed dicts and objects
// ('trace_id': '4bf9…', traceId: '4bf9…') and the lines of pretty-printed
// JSON ("trace_id": "0x4bf9…"). Only trace-context keys are read (see
// contextField): any other "key: value" is prose. As in logfmt, a key
// must be a whole token (preceded by the line start or a separator). A
// blank follows the colon, except before a quoted value or one in
// brackets (key:"value", Key:[value]); so LTSV's label:value fields and
// .NET's "SpanId:…" outside a scope are not read here. A quoted key
// counts only at the start of the line (a line of pretty-printed JSON, a
// printed dict): JSON after a message is no text. A traceparent is left
// to scanTraceparent, which finds it anywhere.
func (e *Extractor) scanKeyColon(s string, from int, r *Result) {
	for i := from; i < len(s); {
		c := strings.IndexByte(s[i:], ':')
		if c < 0 {
			return
		}
		c += i
		i = c + 1
		if c+1 >= len(s) || s[c+1] != ' ' && s[c+1] != '"' && s[c+1] != '\'' && s[c+1] != '[' {
			continue
		}
		key, ok := colonKey(s, paddedColon(s, c))
		if !ok {
			continue
		}
		f := e.contextField(key)
		if f == FieldNone && (key == "ID" || key == "Id") {
			f = twoWordIDField(s, paddedColon(s, c)-len(key))
		}
		if f == FieldNone || f == fieldTraceparent {
			continue
		}
		val, end := colonValue(s, c+1)
		r.src = formatKeyColon
		// A value that does not parse may be prose ("trace_id: unknown"):
		// found by position in text, it is not counted as rejected.
		rejected, spanRejected := r.Rejected, r.spanRejected
		r.SetString(f, val)
		r.Rejected, r.spanRejected = rejected, spanRejected
		i = end
	}
}

// colonKey returns the key that ends at the ':' s[c], bare or quoted, and
// whether it is a whole token.
func colonKey(s string, c int) (string, bool) {
	end := c
	quote := byte(0)
	if c > 0 && (s[c-1] == '"' || s[c-1] == '\'') {
		quote, end = s[c-1], c-1
	}
	k := end
	for k > 0 && isKeyByte(s[k-1]) {
		k--
	}
	if k == end {
		return "", false
	}
	if quote == 0 {
		// .NET's console exporter writes a scope's pairs after
		// "[Scope.0]:".
		return s[k:end], k == 0 || isKeySep(s[k-1]) || k >= 2 && s[k-1] == ':' && s[k-2] == ']'
	}
	if k == 0 || s[k-1] != quote || c+1 >= len(s) || s[c+1] != ' ' {
		return "", false
	}
	start := k - 1 // the opening quote: the line's first byte, or after a '{' that is
	return s[k:end], start == 0 || start == 1 && s[0] == '{'
}

// colonValue returns the value that starts at s[i], after any blanks:
// quoted, in brackets (Go's printed http.Header), or bare; and the index
// after it.
func colonValue(s string, i int) (string, int) {
	i = skipBlanks(s, i)
	if i >= len(s) {
		return "", i
	}
	switch q := s[i]; q {
	case '"', '\'', '[':
		closing := q
		if q == '[' {
			closing = ']'
		}
		if end := strings.IndexByte(s[i+1:], closing); end >= 0 {
			return s[i+1 : i+1+end], i + 2 + end
		}
		return "", len(s)
	}
	end := colonValueEnd(s, i)
	return s[i:end], end
}

// scanDotnetScope reads the trace context scope that .NET's simple console
// logger writes with IncludeScopes and ActivityTrackingOptions, s being what
// follows its "=> ": "SpanId:603279c62c9ccbb0, TraceId:15ad…,
// ParentId:0000…". Only SpanId and TraceId are read: ParentId is the
// caller's span. The scope ends at its first part that is no "Key:value".
func scanDotnetScope(s string, r *Result) {
	for {
		c := strings.IndexByte(s[:min(len(s), len("TraceId")+1)], ':')
		if c < 0 {
			return
		}
		end := colonValueEnd(s, c+1)
		var f Field
		switch s[:c] {
		case "SpanId":
			f = fieldSpanID
		case "TraceId":
			f = fieldTraceID
		case "ParentId":
		default:
			return
		}
		if f != FieldNone {
			r.src = formatDotnetScopes
			r.SetString(f, s[c+1:end])
		}
		if !strings.HasPrefix(s[end:], ", ") {
			return
		}
		s = s[end+2:]
	}
}

// colonValueEnd returns the end of the bare value that starts at s[i].
func colonValueEnd(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', ',', ')', ']', '}', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// paddedColon returns where the key before the ':' s[c] ends: the blanks
// that pad a column of keys to one width ("Trace ID       : …", the
// collector's debug exporter) stand between them.
func paddedColon(s string, c int) int {
	k := c
	for k > 0 && s[k-1] == ' ' {
		k--
	}
	if k < c && (k == 0 || !isKeyByte(s[k-1])) {
		return c // blanks alone before the colon: no key
	}
	return k
}

// twoWordIDField reads the keys of two words that the OpenTelemetry
// Collector's debug exporter writes, "Trace ID" and "Span ID", s[id:]
// being their "ID". "Parent ID" and a lone "ID" are not read.
func twoWordIDField(s string, id int) Field {
	switch {
	case id >= len("Trace ") && s[id-len("Trace "):id] == "Trace " && (id == len("Trace ") || isKeySep(s[id-len("Trace ")-1])):
		return fieldTraceID
	case id >= len("Span ") && s[id-len("Span "):id] == "Span " && (id == len("Span ") || isKeySep(s[id-len("Span ")-1])):
		return fieldSpanID
	}
	return FieldNone
}
