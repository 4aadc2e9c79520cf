package extract

import "strings"

// scanColons reads the "key: value" and "Key:value" pairs of text loggers
// that write a colon where logfmt writes '=':
//
//   - Rust's tracing (the Pretty format, and tools built on it):
//     "trace_id: 4bf9…, span_id: 00f0…", one blank after the colon. Only the
//     trace context keys (trace id, span id, flags) are read: any other key
//     in a message is prose.
//   - .NET's simple console logger with scopes: "=> SpanId:603279c62c9ccbb0,
//     TraceId:15ad…, ParentId:0000…". Only SpanId and TraceId, in that case,
//     opening a scope ("=> ") or following a ", ": ParentId is the caller's
//     span and never read.
//
// As in logfmt, a key must be a whole token (preceded by the line start or a
// separator) and a value must end at a blank, ',' or a closing bracket.
func (e *Extractor) scanColons(s string, r *Result) {
	for i := 0; i < len(s); {
		c := strings.IndexByte(s[i:], ':')
		if c < 0 {
			return
		}
		c += i
		i = c + 1
		k := c
		for k > 0 && isKeyByte(s[k-1]) {
			k--
		}
		if k == c || k > 0 && !isKeySep(s[k-1]) {
			continue
		}
		key := s[k:c]
		var f Field
		var src Format
		switch {
		case c+1 < len(s) && s[c+1] == ' ':
			f = e.Classify(key)
			if f != fieldTraceID && f != fieldSpanID && f != fieldTraceFlags {
				continue
			}
			src = formatKeyColon
			c++
		case key == "SpanId" || key == "TraceId":
			if !(k >= 3 && s[k-3:k] == "=> " || k >= 2 && s[k-2:k] == ", ") {
				continue
			}
			f, src = builtinField(key), formatDotnetScopes
		default:
			continue
		}
		end := c + 1
		for end < len(s) && !isColonValueEnd(s[end]) {
			end++
		}
		r.src = src
		r.SetString(f, s[c+1:end])
		i = end
	}
}

func isColonValueEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == ',' || c == ')' || c == ']' || c == '}' || c == '\n' || c == '\r'
}
