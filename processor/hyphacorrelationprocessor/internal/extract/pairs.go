// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// The text formats in this file name each value by its key: logfmt's
// key=value (and the syslog structured data that shares its syntax),
// Ruby's key=>value, .NET's "=> Key:value" scopes, LTSV's label:value,
// Envoy's quoted header pairs and "key: value" in its many forms. Each
// hands what it finds to SetString, with its format in r.src (setPair), so
// that a key means in text what it means in JSON.

// setPair records the value of a pair whose key means f, found in a text
// line of format src.
func setPair(src Format, f Field, val string, r *Result) {
	r.src = src
	r.SetString(f, val)
}

// sdElement opens the RFC 5424 structured-data element the OTel spec
// defines for trace context.
const sdElement = "[opentelemetry "

// scanLogfmt reads key=value pairs anywhere in a text line: logfmt (slog's
// TextHandler, logrus), Java MDC patterns, Python's default OTel format and
// the syslog structured-data element, whose params share the syntax. eq is
// the index of the line's first '='. It reports whether the line starts
// with a pair, as logfmt lines do.
//
// Text inside double quotes is a value, never keys: `msg="retry trace_id=x"`
// yields nothing. A key must be a whole token: the byte before it has to be
// a separator (space, tab, '[', '(', '{', ',', ';', '|') or the line start, so
// xtrace_id= and ?trace_id= in a URL do not match.
func (e *Extractor) scanLogfmt(s string, eq int, r *Result) (leadingPair bool) {
	sdStart, sdEnd := -1, -1 // found on the first key that matters
	i, k := 0, keyStart(s, 0, eq)
	leadingPair = k == 0 && eq > 0
	for {
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
				return leadingPair
			}
			if isXRayStart(s[q+1 : end]) {
				r.setXRayText(s[q+1 : end]) // an ALB access log's trace field
			}
			i = end + 1
		} else {
			next := e.logfmtPair(s, k, eq, &sdStart, &sdEnd, r)
			i = next
			// In logfmt the next key follows the value and one separator:
			// reading it forwards spares the search for '=' and the walk
			// back over the key.
			if next+1 < len(s) && isKeySep(s[next]) {
				if eq = pairEnd(s, next+1); eq >= 0 {
					i, k = next+1, next+1
					continue
				}
			}
		}
		if i >= len(s) {
			return leadingPair
		}
		if eq = strings.IndexByte(s[i:], '='); eq < 0 {
			return leadingPair
		}
		eq += i
		k = keyStart(s, i, eq)
	}
}

// logfmtPair reads the pair whose key is s[k:eq] (empty when the '=' has
// no key before it) and returns the index after its value. sdStart and
// sdEnd hold the extent of the structured-data element, found on the first
// key that matters (see findSD).
func (e *Extractor) logfmtPair(s string, k, eq int, sdStart, sdEnd *int, r *Result) int {
	if eq+1 < len(s) && s[eq+1] == '>' {
		if key, ok := rubyKey(s, k, eq); ok {
			return e.rubyPair(s, key, eq+2, r)
		}
	}
	if k == eq {
		if strings.HasPrefix(s[eq:], "=> ") && (eq == 0 || s[eq-1] == ' ') {
			scanDotnetScope(s[eq+3:], r) // .NET's "=> SpanId:…, TraceId:…"
		}
		_, next := logfmtValue(s, eq+1)
		return next
	}
	token := k == 0 || isKeySep(s[k-1])
	f := FieldNone
	if token {
		f = e.Classify(s[k:eq])
	}
	val, next := logfmtValue(s, eq+1)
	switch {
	case f == FieldNone:
		if token && eq-k == len("Root") && isXRayStart(s[k:]) {
			r.setXRayText(s[k:]) // X-Amzn-Trace-Id: Root=…
		}
		return next
	case f == fieldXRayTrace && (eq+1 == len(s) || s[eq+1] != '"'):
		// A bare header value keeps its ';'-separated fields.
		next = eq + 1 + xrayHeaderEnd(s[eq+1:])
		val = s[eq+1 : next]
	}
	if *sdStart == -1 {
		*sdStart, *sdEnd = findSD(s)
	}
	r.src = formatLogfmt
	if k > *sdStart && k < *sdEnd {
		r.src = formatSyslogSD
	}
	r.SetString(f, val)
	return next
}

// keyStart returns where the key that ends at the '=' s[eq] starts: it
// runs back over key bytes, not before i. It is eq when there is none.
func keyStart(s string, i, eq int) int {
	k := eq
	for k > i && isKeyByte(s[k-1]) {
		k--
	}
	return k
}

// pairEnd returns the index of the '=' that ends the key starting at s[i],
// or -1 when s[i:] does not start with key bytes and '='.
func pairEnd(s string, i int) int {
	j := i
	for j < len(s) && isKeyByte(s[j]) {
		j++
	}
	if j == i || j == len(s) || s[j] != '=' {
		return -1
	}
	return j
}

// logfmtValue returns the value starting at s[i], quoted or bare, and the
// index after it.
func logfmtValue(s string, i int) (string, int) {
	if i < len(s) && (s[i] == '{' || s[i] == '[') {
		// A group of pairs, as Java's Map.toString writes them
		// ("headers={x-b3-traceid=…, host=…}"): its pairs are read next.
		return "", i + 1
	}
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
			setPair(formatLTSV, f, field[c+1:], r)
		}
	}
}

// rubyKey returns the key of a Ruby hash pair whose "=>" starts at s[eq]:
// a symbol right before the arrow (:trace_id=>), or a quoted string
// ("trace_id"=>, "trace_id" => ). k is where logfmt's key bytes before eq
// start.
func rubyKey(s string, k, eq int) (string, bool) {
	if k < eq {
		// A symbol: its ':' follows a separator or starts the line.
		return s[k:eq], k > 0 && s[k-1] == ':' && (k == 1 || isKeySep(s[k-2]))
	}
	end := eq
	if end > 0 && s[end-1] == ' ' {
		end--
	}
	if end < 2 || s[end-1] != '"' {
		return "", false
	}
	q := end - 1
	for k = q; k > 0 && isKeyByte(s[k-1]); {
		k--
	}
	if k == 0 || k == q || s[k-1] != '"' {
		return "", false
	}
	return s[k:q], true
}

// rubyPair reads the value of a Ruby hash pair, which starts at s[i] after
// the arrow and any blanks, when its key is trace context; it returns the
// index after the value.
func (e *Extractor) rubyPair(s, key string, i int, r *Result) int {
	val, next := logfmtValue(s, skipBlanks(s, i))
	if f := e.contextField(key); f != FieldNone {
		setPair(formatLogfmt, f, val, r)
	}
	return next
}

// scanQuotedPair reads a line that is one header as Envoy's debug log
// prints request headers, one to a line: 'x-b3-traceid', '80f1…'.
func (e *Extractor) scanQuotedPair(s string, r *Result) {
	end := strings.Index(s, "', '")
	if end < 2 || s[len(s)-1] != '\'' {
		return
	}
	if f := e.contextField(s[1:end]); f != FieldNone {
		setPair(formatEnvoyHeader, f, s[end+len("', '"):len(s)-1], r)
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
			setPair(formatDotnetScopes, f, s[c+1:end], r)
		}
		if !strings.HasPrefix(s[end:], ", ") {
			return
		}
		s = s[end+2:]
	}
}

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
		// A value that does not parse may be prose ("trace_id: unknown"):
		// found by position in text, it is not counted as rejected.
		rejected, spanRejected := r.Rejected, r.spanRejected
		setPair(formatKeyColon, f, val, r)
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
