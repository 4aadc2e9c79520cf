// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"math/bits"
	"strings"
)

// scanText runs every text scanner over a line that is not JSON. Each one
// only records ids, except scanHeader, which reads the leading time and
// level; a line where two scanners' ids disagree is settled by Finish.
func (e *Extractor) scanText(s string, r *Result) {
	body := scanHeader(s, r)
	if body > 0 && s[body] == '[' {
		if p := cfSourceEnd(s[body:]); p > 0 {
			// cf logs: "<time> [RTR/5] OUT <line>": the line after it is
			// read as if it stood alone, a JSON object as JSON.
			s = s[body+p:]
			if s != "" && s[0] == '{' && e.cfJSON(s, r) {
				return
			}
			body = scanHeader(s, r)
		}
	}
	logfmtLine := false
	if eq := strings.IndexByte(s, '='); eq >= 0 {
		// Most plain text has no '=': one search spares it the call.
		logfmtLine = e.scanLogfmt(s, eq, r)
	}
	e.scanLTSV(s, r)
	if !logfmtLine && (body == 0 || tracingLayout(s, body)) {
		// Only lines laid out as Rust's tracing writes them, or without a
		// leading time (header dumps, access logs, exporters' and printed
		// objects' lines, tracing's span lines "in … with …"), are worth a
		// search for "key: value"; a logfmt line never is.
		e.scanKeyColon(s, body, r)
	}
	scanBrackets(s[body:], r)
	scanTraceparent(s, body, r)
	if levelThenQuote(s[body:]) {
		scanJavaExporter(s[body:], r)
	}
	if s != "" && s[0] == '\'' {
		e.scanQuotedPair(s, r)
	}
}

// tracingLayout reports whether the text after a line's leading time and
// blanks, s[body:], starts as Rust's tracing lays it out: the level
// right-aligned in five columns ("  INFO", "ERROR"), or a four-letter level
// and then a word ending with a colon (its target, "app::db:", or a first
// field, "trace_id:", as Apollo Router writes without padding). The
// defaults of Python's and Go's loggers ("… INFO [app] …", "… INFO msg")
// do neither, so their INFO lines are spared the search. A line taken for
// tracing's only pays for the search: the fields are read by the same
// rules.
func tracingLayout(s string, body int) bool {
	if body+6 > len(s) {
		return false
	}
	h := s[body-2 : body+6] // two blanks at most, then the level's five columns and a blank
	if h[7] == ' ' || h[6] == ' ' && h[0] == ' ' {
		return true
	}
	return h[6] == ' ' && isKeyByte(h[7]) && wordEndsWithColon(s[body+5:])
}

// maxTargetLen bounds the word wordEndsWithColon reads.
const maxTargetLen = 64

// wordEndsWithColon reports whether the word at the start of s, which a
// blank ends, ends with ':'.
func wordEndsWithColon(s string) bool {
	for i := 1; i < min(len(s), maxTargetLen); i++ {
		if s[i] == ' ' {
			return s[i-1] == ':'
		}
	}
	return false
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
				scanXRayText(s[q+1:end], r) // an ALB access log's trace field
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
			scanXRayText(s[k:], r) // X-Amzn-Trace-Id: Root=…
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
			r.src = formatLTSV
			r.SetString(f, field[c+1:])
		}
	}
}

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
		r.src = formatLogfmt
		r.SetString(f, val)
	}
	return next
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

// levelThenQuote reports whether s, the text after a line's time, has a
// blank and a quote where a level and its colon end: "INFO 'name' : …",
// "WARNING: 'name' : …", as OTel Java's logging exporters write. It looks
// at bytes 2 to 9 at once, the cheapest test that spares other lines the
// search for "' : ".
func levelThenQuote(s string) bool {
	if len(s) < 10 {
		return false
	}
	w := load64(s, 2) ^ byteOnes*'\'' // a quote byte becomes zero
	zero := (w - byteOnes) &^ w & byteHighs
	if zero == 0 {
		return false
	}
	i := 2 + bits.TrailingZeros64(zero)>>3
	return i >= len("INFO ") && s[i-1] == ' '
}

// maxCFSource bounds the "[RTR/5]" or "[APP/<guid>]" of a cf logs line.
const maxCFSource = 64

// cfSourceEnd returns the length of the "[<source>/<n>] OUT " (or ERR)
// that cf logs writes after the time, 0 when s does not start with one.
func cfSourceEnd(s string) int {
	end := strings.IndexByte(s[:min(len(s), maxCFSource)], ']')
	if end < 3 || strings.IndexByte(s[:end], '/') < 0 || strings.IndexByte(s[:end], ' ') >= 0 {
		return 0
	}
	rest := s[end+1:]
	if !strings.HasPrefix(rest, " OUT ") && !strings.HasPrefix(rest, " ERR ") {
		return 0
	}
	return end + 1 + len(" OUT ")
}

// scanQuotedPair reads a line that is one header as Envoy's debug log
// prints request headers, one to a line: 'x-b3-traceid', '80f1…'.
func (e *Extractor) scanQuotedPair(s string, r *Result) {
	end := strings.Index(s, "', '")
	if end < 2 || s[len(s)-1] != '\'' {
		return
	}
	if f := e.contextField(s[1:end]); f != FieldNone {
		r.src = formatEnvoyHeader
		r.SetString(f, s[end+len("', '"):len(s)-1])
	}
}

// cfJSON reads the JSON object that a cf logs line carries after its
// prefix, and reports whether it was one. The prefix's time and level,
// already in r, fill in what the object lacks.
func (e *Extractor) cfJSON(s string, r *Result) bool {
	j := Result{src: formatJSON, zone: r.zone}
	if !e.scanJSON(s, &j) {
		return false
	}
	ts, num, text := r.Timestamp, r.SeverityNumber, r.SeverityText
	*r = j
	if r.Timestamp == 0 {
		r.Timestamp = ts
	}
	if r.SeverityText == "" && r.SeverityNumber == 0 {
		r.SeverityNumber, r.SeverityText = num, text
	}
	return true
}
