// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// The JSON scanner's early stop: loggers write the level, time and service
// first and the ids early, so most lines are settled long before their
// end. lacksSettledFields says when the record needs nothing more that
// the rest of a line could hold but ids, and keyAhead whether the rest
// holds an id key at all.

// stoppedEarly is the end scanObject reports when it stopped reading because
// nothing further could change the result.
const stoppedEarly = -2

// keyAhead returns the index in s of a substring of s[i:] that every trace id
// key has, or with spans also every span id key, or -1 when s[i:] holds none
// (the substrings and the keys that have them):
//   - "race": trace_id, traceId, TraceId, otelTraceID, trace.id, trace,
//     dd.trace_id, traceparent, the GCP trace key, .NET scopes' TraceId;
//   - "pan": span_id, spanId, SpanId, otelSpanID, span.id, span,
//     dd.span_id, the GCP spanId, .NET scopes' SpanId;
//   - "sact": ECS transaction.id and transaction, whose ids stand in for a
//     span id;
//   - "p.tid", with spans: Datadog's _dd.p.tid, the upper half of a trace id
//     that only matters once there is one;
//   - "@tr" and "@sp" (Serilog), and every configured id key.
//
// Zipkin's b3 and Application Insights' operation_Id hold none of them: in
// a JSON line they are read only until the record is settled. A search for
// them would cost every JSON line more than they are worth.
//
// The 'c' of "race" and 'p' of "pan" are lower case, the letters around
// them in either case: the vocabulary's keys are so (see mayBeVocabKey).
func (e *Extractor) keyAhead(s string, i int, spans bool) int {
	// Each search after a hit needs only to look before it: any hit will
	// do, and the window never grows, so a call searches no further than the
	// hit it returns, which reading then passes.
	rest := s[i:]
	first := indexAroundC(rest, spans)
	if first >= 0 {
		rest = rest[:first]
	}
	if p := indexSerilogKey(rest, spans); p >= 0 {
		first, rest = p, rest[:p]
	}
	if spans {
		if p := indexAroundP(rest); p >= 0 {
			first, rest = p, rest[:p]
		}
	}
	if len(e.customTraceKeys)+len(e.customSpanKeys) > 0 {
		first = e.customKeyAhead(rest, spans, first)
	}
	if first < 0 {
		return -1
	}
	return i + first
}

// customKeyAhead extends keyAhead to the configured id keys: it returns the
// index of the first one in rest, or first when there is none.
func (e *Extractor) customKeyAhead(rest string, spans bool, first int) int {
	for _, k := range e.customTraceKeys {
		if p := strings.Index(rest, k); p >= 0 {
			first, rest = p, rest[:p]
		}
	}
	if spans {
		for _, k := range e.customSpanKeys {
			if p := strings.Index(rest, k); p >= 0 {
				first, rest = p, rest[:p]
			}
		}
	}
	return first
}

// indexAroundC returns the index of the first "race", or with spans also
// "sact", in s, or -1. Its 'c' is lower case and the letters around it in
// either case, as the vocabulary's keys are (see mayBeVocabKey). It looks
// for the 'c', a rarer letter in log lines than the 'r' or 's'
// strings.Index would search for first; IndexByte runs as vector code.
func indexAroundC(s string, spans bool) int {
	for i := 2; i+1 < len(s); {
		c := strings.IndexByte(s[i:len(s)-1], 'c')
		if c < 0 {
			return -1
		}
		i += c
		if s[i-1]|0x20 == 'a' {
			p, n := s[i-2]|0x20, s[i+1]|0x20
			if p == 'r' && n == 'e' || spans && p == 's' && n == 't' {
				return i - 2
			}
		}
		i++
	}
	return -1
}

// indexAroundP returns the index of the first "pan" (every span id key,
// 'p' in lower case, the rest in either) or "p.tid" (Datadog's _dd.p.tid,
// which completes a trace id already found) in s, or -1: one search for the
// 'p' serves both.
func indexAroundP(s string) int {
	for i := 0; i+2 < len(s); {
		p := strings.IndexByte(s[i:len(s)-2], 'p')
		if p < 0 {
			return -1
		}
		i += p
		if s[i+1]|0x20 == 'a' && s[i+2]|0x20 == 'n' || s[i+1] == '.' && strings.HasPrefix(s[i+2:], "tid") {
			return i
		}
		i++
	}
	return -1
}

// indexSerilogKey returns the index of "@tr", or with spans also "@sp", in
// s, or -1: one search for the '@' serves both.
func indexSerilogKey(s string, spans bool) int {
	for i := 0; i+2 < len(s); {
		at := strings.IndexByte(s[i:len(s)-2], '@')
		if at < 0 {
			return -1
		}
		i += at
		if s[i+1] == 't' && s[i+2] == 'r' || spans && s[i+1] == 's' && s[i+2] == 'p' {
			return i
		}
		i++
	}
	return -1
}

// lacksSettledFields reports whether r still lacks something the rest of
// a JSON line could supply, whatever the rest holds: scanObject stops
// reading once it lacks nothing and keyAhead finds no key in the rest.
//
// The first level, time, service and flags found win, so once they are known
// only trace and span keys matter, and the rest must hold no trace key. (A
// level has its text; a bare severityNumber still takes the text of a level
// key that follows.) A record with no trace key at all is then settled: a
// span id alone is neither used nor counted. Otherwise the rest must hold no
// span key either (a second span id would conflict, an invalid one would
// count), and a record with a trace id must already have its flags and a
// span id from a span key, which nothing outranks.
func (r *Result) lacksSettledFields() bool {
	return r.SeverityText == "" || r.Timestamp == 0 || r.Service == "" || r.conflict ||
		r.HasTrace && (!r.HasFlags || r.spanRank != spanPrimary)
}
