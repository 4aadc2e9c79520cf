// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package extract finds trace context (trace id, span id, trace flags),
// severity, timestamp and service name inside one log record, so that the
// hypha_correlation processor can link the record to its trace. It is the
// collector's hot path: hand-written byte scanning over a string, no
// allocation, no regexp, no reflection, standard library only.
//
// # Using it
//
// A log body that is a string goes to [Extractor.FromString]. A body that is
// a map, or the log attributes, is walked by the caller: for each key call
// [Extractor.Classify] (or [Extractor.ClassifyIn] inside a nested value whose
// Field reports [Field.Nested]), then the Set method of the value's type
// ([Result.SetString], [Result.SetInt], [Result.SetDouble], [Result.SetBool]),
// between [Extractor.Reset] (with [FormatOTLPMap] or [FormatOTLPAttributes]) and
// [Result.Finish]. The JSON and text scanners go through the same Classify and
// Set calls, so one table decides what every key means. See Example_walkMap.
//
// # Where the code is
//
// One record's way through the package: FromString (extract.go) hands the
// line to the JSON scanner (json.go, which stops early by the rule in
// earlystop.go), to prefix.go for JSON behind a known prefix, or to the
// text scanners, which text.go runs in turn: header.go for the leading
// time and level, pairs.go for every format whose keys name the values,
// positional.go for ids known by their place in a fixed shape. All of them
// record what they find through result.go, which holds the Result and the
// rules every id obeys, and Finish settles it. What keys mean is keys.go,
// vocab.go and fields.go; values are parsed by ids.go, carriers.go (the
// propagation headers, W3C's traceparent among them), xray.go, datadog.go,
// level.go and timestamp.go. What a vendor's keys leave to settle once the
// record is read is in datadog.go, dialects.go (bunyan, CLEF) and nested.go
// (ids in JSON's other nested containers).
//
// # What is recognised
//
// The key names, and what each holds, are listed once for users: the
// "Keys" tables of the processor's README. In the code they are
// builtinField (the exact spellings, then the vocabulary of trace-context
// key families in vocab.go, matched in normalized form: see vocabRow) and
// memberField (the members of nested objects), and TestREADMEKeys fails
// when the README and the code disagree. What each Field is (which id it
// gives, its JSON dialect) is one row of the fields table in fields.go.
// Keys configured in [Options] are matched exactly as trace id, span id and
// flags keys. The same table serves JSON, key=value text, LTSV and the maps
// a caller walks.
//
// JSON objects: top-level keys, plus the members of the nested objects
// memberField knows. Every other nested object and array, to depth 8, is
// read for trace-context keys only, into a second rank (see nestedIDs):
// its ids link a record that has none of its own.
// Of tracing-subscriber's "spans" (the open spans, root first) only the last
// entry is read; the others are ancestors. Nested ids rank as top-level ones
// do: they must agree with them, or the record gets no link.
// Only a line that is one whole JSON object is read as JSON: a line cut
// short or followed by more text yields nothing from its JSON (it is then
// read as text, and JSON's quoted keys are no text keys).
//
// zap console lines (tab-separated columns ending in a JSON object): the
// trailing object is read as above; the second column gives the level and
// the first the time.
//
// A JSON object behind a container runtime (CRI), syslog (RFC 5424, RFC
// 3164), Monolog or time-and-level prefix (scanPrefixedJSON) is read as
// above, then the prefix as text. What docker compose, kubectl --prefix
// and cf logs put before a line is dropped first (collectorPrefixEnd,
// cfSourceEnd).
//
// Text lines (anything that is not a JSON object):
//
//   - key=value pairs (logfmt, slog TextHandler, Java MDC patterns such as
//     trace_id=%X{trace_id}, Python's "[trace_id=… span_id=…
//     resource.service.name=… trace_sampled=True]", Datadog's
//     "dd.trace_id=<decimal>"), values quoted or bare, with the same key names
//     as JSON. A key must be a whole token, preceded by the line start or one
//     of space, tab, [ ( { , ; | — so xtrace_id= and ?trace_id= in a URL do
//     not match. Text inside double quotes is never read as keys.
//   - RFC 5424 structured data: [opentelemetry trace_id="…" span_id="…"
//     trace_flags="…"].
//   - LTSV: tab-separated label:value fields with the same key names.
//   - Spring Boot 3: [<32 hex>-<16 hex>], either case.
//   - Sleuth style: [app,<32 or 16 hex>,<16 hex>], with Sleuth 1 and 2's
//     ",true" or ",false" after it; [app,,] means no span.
//   - W3C traceparent 00-<32 hex>-<16 hex>-<2 hex> anywhere in the line, not
//     touching a letter, digit, '_' or '-' on either side (nor '.' before).
//     Caveat: in an access log of an inbound request the span id is the
//     caller's span (the parent), not a span of the logging service. It is
//     still reported, but ranks below any span id found under a key.
//   - AWS X-Ray: Root=1-<8 hex>-<24 hex>[;Parent=<16 hex>][;Sampled=1] as a
//     token or a quoted field (ALB access logs); the trace id is the two hex
//     parts joined, Parent a fallback span as in a traceparent. Self= (an
//     ALB's own segment) is never read. Keys such as Powertools'
//     xray_trace_id hold the bare id or a whole header value.
//   - "key: value" (scanKeyColon): Rust tracing's fields, header dumps,
//     key:"value", printed dicts and objects, pretty-printed JSON lines,
//     the OTel SDKs' and the collector's console exporters; trace-context
//     keys only, in lines laid out as tracing writes them (tracingLayout)
//     or without a leading time, never in a logfmt line.
//   - Ruby's printed hashes (:key=>"value", "key"=>"value"), Envoy's
//     debug header lines ('key', 'value'), OTel Java's logging
//     exporters' lines and New Relic's NR-LINKING block, by position.
//   - .NET simple console scopes "=> SpanId:…, TraceId:…, ParentId:…":
//     SpanId and TraceId only, never ParentId.
//
// A text line's header is read too (scanHeader): a leading date and time
// (or time of day, which gives no Timestamp), optionally inside the '[' that
// starts Rust's env_logger lines, then the level: a known name, bare in upper
// case, in any case before a colon ("info: …") or in brackets, after at most
// one bracketed word that is no level (a thread name). Without a time only
// the line's first word can be the level ("ERROR:root:…", "[INFO] …").
//
// # Values
//
// Trace ids are 32 hex digits, or 16 (a 64-bit id, left-padded with zeros);
// span ids 16 hex digits; either case. "", "0", "null", "-" and all zeros are
// placeholders: absent, not rejected. Any other value under a trace or span
// key that does not parse (wrong length, not hex, a number) is not used and
// counts in Result.Rejected.
//
// Datadog's dd.trace_id is a decimal uint64 (the lower half, which _dd.p.tid
// completes) or 32 hex digits; its dd.span_id a decimal uint64, or 16 hex
// digits when a hex letter shows it is OTel's. 16 decimal digits beside a
// 32-hex dd.trace_id could be either, and give no span id.
//
// Severity names in any case: trace, trce, verbose → TRACE (1); debug, dbug →
// DEBUG (5); info, information, notice → INFO (9); warn, warning → WARN (13);
// error, err, fail → ERROR (17); fatal, critical, crit, panic, emerg,
// emergency, alert → FATAL (21). pino/bunyan numbers 10, 20, 30, 40, 50, 60
// map to the same six; SeverityText is then the upper-case name. Unknown
// levels leave severity unset.
//
// Times: RFC 3339 / ISO 8601 with fraction ('.' or ','), 'T' or space, '-'
// or '/' in the date, Z or ±hh[:mm], from 1970 to 2261. A time without Z
// or an offset is read in Options.DefaultTimeZone; without one it counts as
// no time. Or epoch numbers (as
// JSON numbers or text) told apart by magnitude: below 1e11 seconds (with
// an exact fraction, as zap writes), below 1e14 milliseconds (pino), below
// 1e17 microseconds, else nanoseconds.
//
// # Precedence: never a false link
//
// Hex that is not under a trace key (request ids, checksums, file names,
// UUIDs, ids in message text) is never taken, nor is anything under a key
// that names another span (parent, links, root: see excludedPrefixWords).
// Every source of ids in a record is read, and they must agree:
//
//   - Two different trace ids in one record's trace-context positions,
//     whatever keys, headers or formats they come from, set nothing and
//     count one rejection. (Ids in JSON's other nested containers rank
//     second: they count only without a trace id of the record's own; see
//     nestedIDs.) A 64-bit id (a
//     Datadog decimal id, a 16-digit id) agrees with a 128-bit id that has
//     the same lower half; the 128-bit id is kept.
//   - Span ids rank: a span id under a span key (or in a Spring/Sleuth block)
//     beats an ECS transaction.id and a propagation header's span id (a
//     traceparent's, b3's, uber-trace-id's, X-Ray's Parent: the sender's
//     span). A header's parent id is never read. Two different span ids of
//     the same rank set nothing and count one rejection.
//   - A span id or flags without a trace id are never reported.
//   - The first flags, level, time and service found win.
//
// Result.Format names where the trace id came from (JSON dialects are told
// apart by their keys); it is the zero Format, "none", when no trace id
// was found.
package extract
