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
// Cheap tests on the line's layout (tracingLayout, levelThenQuote) spare
// most lines the scanners that could not match them.
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
