// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// scanKeyColon reads the "key: value" fields of Rust's tracing (its Pretty
// format, and tools built on it): "…, trace_id: 4bf9…, span_id: 00f0…", one
// blank after the colon, in s[from:] (past a leading time). Only the trace
// context keys (trace id, span id, flags) are read: any other "key: value"
// is prose. As in logfmt, a key must be a whole token (preceded by the line
// start or a separator), and a value ends at a blank, ',' or a closing
// bracket.
//
// A colon without a blank after it is passed over at once, so a line pays
// little more than one search for ':' (less than a search for "_id: ",
// whose '_' logfmt keys hold many of). scanText spares the lines tracing
// does not lay out (see tracingLayout) even that.
func (e *Extractor) scanKeyColon(s string, from int, r *Result) {
	for i := from; i < len(s); {
		c := strings.IndexByte(s[i:], ':')
		if c < 0 {
			return
		}
		c += i
		i = c + 1
		if c+1 >= len(s) || s[c+1] != ' ' {
			continue
		}
		k := c
		for k > 0 && isKeyByte(s[k-1]) {
			k--
		}
		if k == c || k > 0 && !isKeySep(s[k-1]) {
			continue
		}
		f := e.Classify(s[k:c])
		if f != fieldTraceID && f != fieldSpanID && f != fieldTraceFlags {
			continue
		}
		end := colonValueEnd(s, c+2)
		r.src = formatKeyColon
		r.SetString(f, s[c+2:end])
		i = end
	}
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
