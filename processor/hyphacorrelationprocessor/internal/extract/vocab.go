// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

// The vocabulary of trace-context keys: the names under which tracers,
// loggers, proxies and vendor agents write trace ids, span ids and
// propagation headers. builtinField knows the common spellings exactly (it
// also knows the level, time and service keys); every other key goes
// through this table in normalized form.
//
// The rule, which the README states for users:
//
//   - A key is normalized by lower-casing ASCII letters and dropping '_',
//     '-' and '.': X-B3-TraceId, x_b3_traceid and x-b3-traceid are all
//     "xb3traceid". Any other byte stays, so "logging.googleapis.com/trace"
//     never normalizes into a vocabulary key.
//   - A row matches a normalized key exactly (whole), or as its end
//     (suffix): "traceid" matches dt.trace_id (Dynatrace), trace.trace_id
//     (Honeycomb), LogRecord.TraceId (.NET's console exporter) and any other
//     "<prefix> trace id". The suffix must start a word of the key as
//     written: after '_', '-' or '.', or at a camelCase capital; so
//     xtrace_id and subtraceid are none of ours. A suffix row's prefix may
//     not name another span or trace: a prefix holding a word of
//     excludedPrefixWords (parent, link, root, caller, …) makes the key none
//     of ours.
//   - Rows are tried in order, so the carriers whose value has its own
//     shape (ubertraceid, xamzntraceid, datadog's decimal ids) come before
//     the generic "traceid".
//   - A key in capitals throughout ("TRACE_ID") is not looked up (see
//     mayBeVocabKey); the built-in spellings stay exact.
//   - Only keys whose normalized form is unambiguous are here. "id",
//     "trace", "span" and "transaction" mean an id only as members of a
//     trace, span or transaction object (see memberField); request,
//     correlation, event and parent ids are never trace context.
//
// Every value is validated by its Field's parser, so a key that matches
// but holds something else (a UUID, a request id) gives no id.
type vocabRow struct {
	norm   string
	suffix bool // matches as the end of the normalized key, see excludedPrefixWords
	field  Field
}

// vocabulary is the table. Adding a key family is adding a row.
var vocabulary = [...]vocabRow{
	// Propagation headers and carriers whose value has a shape of its own.
	{"traceparent", true, fieldTraceparent},          // W3C; elastic-apm-traceparent, Traefik's request_Traceparent, nginx's http_traceparent
	{"b3", false, fieldB3Single},                     // Zipkin single header; builtinField names b3 and B3 (see vocabEnding)
	{"httpb3", false, fieldB3Single},                 // nginx's $http_b3
	{"requestb3", false, fieldB3Single},              // Traefik's request_B3
	{"ubertraceid", true, fieldUberTraceID},          // Jaeger: trace:span:parent:flags
	{"xamzntraceid", true, fieldXRayTrace},           // X-Amzn-Trace-Id, x_amzn_trace_id
	{"xraytraceid", true, fieldXRayTrace},            // Powertools' xray_trace_id, xRayTraceId
	{"sentrytrace", true, fieldSentryTrace},          // sentry-trace: trace-span[-sampled]
	{"xcloudtracecontext", true, fieldCloudTraceCtx}, // Google: TRACE_ID/SPAN_ID;o=1
	// Datadog writes decimal ids.
	{"ddtraceid", true, fieldDatadogTraceID},
	{"ddspanid", true, fieldDatadogSpanID},
	{"datadogtraceid", true, fieldDatadogTraceID}, // x-datadog-trace-id
	{"ddptid", false, fieldDatadogTraceHigh},
	// Hex ids under any other "… trace id" or "… span id": OTel in every
	// casing, B3's X-B3-TraceId, Jaeger's traceID, Dynatrace's dt.trace_id,
	// Honeycomb's trace.trace_id, Lightstep's ot-tracer-traceid, .NET's
	// Activity.TraceId, Elixir's otel_trace_id.
	{"traceid", true, fieldTraceID},
	{"spanid", true, fieldSpanID},
	{"traceflags", true, fieldTraceFlags},
	{"tracesampled", true, fieldSampled}, // Dynatrace's dt.trace_sampled, GCP's traceSampled
	{"xb3sampled", false, fieldSampled},
	{"xb3flags", false, FieldNone}, // B3's debug flag, not W3C flags
}

// excludedPrefixWords are the words that, in front of "trace id" or "span
// id", name another span or trace than the one that wrote the line.
var excludedPrefixWords = [...]string{"parent", "link", "root", "caller", "prev", "child", "origin", "follow", "ref"}

// maxVocabKey bounds the keys looked up in the vocabulary; longer ones are
// no trace-context key.
const maxVocabKey = 48

// vocabEnds marks, for every row of the vocabulary in either case, the
// byte that ends it (vocabLast) and the byte before that (vocabPrev), so
// that vocabEnding can turn most keys away in two look-ups.
var vocabEnds = func() (t [256]uint8) {
	for _, row := range vocabulary {
		n := len(row.norm)
		for _, c := range []byte{row.norm[n-1], row.norm[n-1] &^ 0x20} {
			t[c] |= vocabLast
		}
		for _, c := range []byte{row.norm[n-2], row.norm[n-2] &^ 0x20} {
			t[c] |= vocabPrev
		}
	}
	return t
}()

const (
	vocabLast uint8 = 1 << iota
	vocabPrev
)

// vocabEnding reports whether key ends as some vocabulary row does.
// Keys shorter than minVocabKey are left to builtinField's switch, which
// names the short rows ("b3") exactly.
func vocabEnding(key string) bool {
	n := len(key)
	return n >= minVocabKey && vocabEnds[key[n-1]]&vocabLast != 0 && vocabEnds[key[n-2]]&vocabPrev != 0
}

// minVocabKey is the length of the shortest vocabulary row but "b3".
const minVocabKey = len("ddptid")

// vocabField returns what key means in the vocabulary, FieldNone when it is
// not in it.
func vocabField(key string) Field {
	if len(key) < 2 || len(key) > maxVocabKey || !mayBeVocabKey(key) {
		return FieldNone
	}
	var buf [maxVocabKey]byte
	var starts uint64 // bit n: buf[n] starts a word of the key
	n := 0
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '_' || c == '-' || c == '.' {
			continue
		}
		if i == 0 || wordStart(key, i) {
			starts |= 1 << n
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	norm := buf[:n]
	for i := range vocabulary {
		row := &vocabulary[i]
		at := len(norm) - len(row.norm)
		if at < 0 || string(norm[at:]) != row.norm {
			continue
		}
		if at == 0 {
			return row.field
		}
		if row.suffix && starts&(1<<at) != 0 && !excludedPrefix(norm[:at]) {
			return row.field
		}
	}
	return FieldNone
}

// wordStart reports whether key[i] starts a word: it follows a separator
// ('_', '-', '.'), or an upper-case letter follows a lower-case letter or
// a digit (camelCase), or begins the last word of an upper-case run
// ("AWSTraceId"), or a letter follows a digit ("b3traceid").
func wordStart(key string, i int) bool {
	prev, c := key[i-1], key[i]
	upper := func(b byte) bool { return b >= 'A' && b <= 'Z' }
	lower := func(b byte) bool { return b >= 'a' && b <= 'z' }
	digit := prev >= '0' && prev <= '9'
	switch {
	case prev == '_' || prev == '-' || prev == '.':
		return true
	case upper(c):
		return lower(prev) || digit || upper(prev) && i+1 < len(key) && lower(key[i+1])
	case lower(c):
		return digit
	}
	return false
}

func excludedPrefix(prefix []byte) bool {
	for _, w := range excludedPrefixWords {
		if containsWord(prefix, w) {
			return true
		}
	}
	return false
}

// containsWord reports whether w occurs in b; a loop of its own keeps the
// conversion of b to a string, which might allocate, out of the hot path.
func containsWord(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		if b[i] == w[0] && string(b[i:i+len(w)]) == w {
			return true
		}
	}
	return false
}

// mayBeVocabKey is vocabField's cheap first test: every vocabulary key
// holds "rac" (trace), "pan" (span) or "b3". The 'c' and the 'p' are in
// lower case, the letters around them in either: TraceId, X-B3-TraceId,
// SPAN_id pass, a key in capitals throughout (TRACE_ID) does not, which
// lets keyAhead find every key with one search for each letter. Most keys
// of a line (msg, user, duration) fail it without being normalized.
func mayBeVocabKey(key string) bool {
	for i := 1; i < len(key); i++ {
		switch c := key[i]; {
		case c == 'c' && i >= 2:
			if key[i-1]|0x20 == 'a' && key[i-2]|0x20 == 'r' {
				return true
			}
		case c|0x20 == 'n' && i >= 2:
			if key[i-1]|0x20 == 'a' && key[i-2] == 'p' {
				return true
			}
		case c == '3':
			if key[i-1]|0x20 == 'b' {
				return true
			}
		}
	}
	return false
}

// containerField returns what a nested object or array under key, of
// Field f, holds: the ECS-style trace, span and transaction objects whose
// "id" is theirs, fieldSkip for containers of other spans' context, and
// fieldContainer (walk it, read trace-context keys only) for anything
// else, a trace-context key's array of values among them (Caddy's
// "Traceparent":["00-…"]).
func containerField(key string, f Field) Field {
	if f.isContext() {
		return fieldContainer
	}
	switch key {
	case "trace", "Trace":
		return fieldTraceObject
	case "span", "Span":
		return fieldSpanObject
	case "transaction", "Transaction":
		return fieldTransactionObject
	}
	if len(key) <= maxVocabKey {
		var buf [maxVocabKey]byte
		n := 0
		for i := 0; i < len(key); i++ {
			if c := key[i]; c >= 'A' && c <= 'Z' {
				buf[n] = c + 'a' - 'A'
			} else {
				buf[n] = c
			}
			n++
		}
		if excludedPrefix(buf[:n]) {
			return fieldSkip
		}
	}
	return fieldContainer
}
