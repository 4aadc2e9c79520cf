// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"math"
	"strings"
	"time"
)

// Result is what one log record yielded. The zero value is "nothing found".
type Result struct {
	TraceID  [16]byte
	SpanID   [8]byte
	Flags    uint8
	HasTrace bool
	HasSpan  bool // only ever true together with HasTrace
	HasFlags bool // only ever true together with HasTrace

	SeverityNumber int32  // OTel SeverityNumber, 0 when not found
	SeverityText   string // a substring of the input, or a constant for numeric levels
	Timestamp      int64  // unix nanoseconds, 0 when not found
	Service        string // a substring of the input
	Format         Format // where the trace id came from; formatNone without one
	Rejected       int    // invalid or conflicting id values seen under trace/span keys

	src      Format // container being read, see Reset
	spanRank uint8
	// spanRejected counts invalid span ids, and invalid _dd.p.tid values,
	// until Finish knows whether the record has a trace id; see reject.
	spanRejected int
	conflict     bool
	dd           datadogState   // see datadog.go
	dialect      dialectState   // see dialects.go
	zone         *time.Location // see Options.DefaultTimeZone
	nested       nestedIDs      // see addNested
	inNested     bool           // r reads a nested container, see scanNested
}

// Span sources rank so that an ECS transaction id or the caller's span in a
// traceparent only fills in when no span id proper was found.
const (
	spanFallback uint8 = 1
	spanPrimary  uint8 = 2
)

// Finish settles r after the last Set call: conflicting ids are dropped and
// counted in Rejected, span and flags are dropped when there is no trace id,
// and fields that depend on other fields (bunyan's name, the CLEF default
// level) are filled in.
func (r *Result) Finish() {
	if r.nested.hasTrace || r.nested.conflict {
		r.adoptNested()
	}
	if r.dd.hasHigh || r.dd.hasDigitSpan {
		r.finishDatadog()
	}
	if r.HasTrace || r.Rejected > 0 || r.conflict {
		r.Rejected += r.spanRejected
	}
	r.spanRejected, r.dd.hasHigh = 0, false
	if r.conflict {
		r.conflict = false
		r.Rejected++
		r.HasTrace = false
	}
	if !r.HasTrace {
		r.TraceID, r.SpanID, r.Flags = [16]byte{}, [8]byte{}, 0
		r.HasSpan, r.HasFlags, r.spanRank = false, false, 0
		r.Format = formatNone
	}
	if r.dialect.bunyanV || r.dialect.clef {
		r.finishDialect()
	}
}

// SetString interprets a string value found under a key of Field f. Values
// that do not parse are ignored, except ids, which are counted in Rejected.
// The first level, time and service found win.
func (r *Result) SetString(f Field, s string) {
	switch f {
	case fieldTraceID:
		if len(s) == traceparentLen {
			// ASP.NET Core's ProblemDetails write the activity's whole id,
			// a traceparent, as "traceId".
			r.SetString(fieldTraceparent, s)
			return
		}
		id, st := parseTraceValue(s)
		r.applyTrace(f, id, st)
	case fieldECSTraceID, fieldSerilogTraceID, fieldScopeTraceID:
		id, st := parseTrace(s)
		r.applyTrace(f, id, st)
	case fieldDatadogTraceID:
		id, st := parseDatadogTrace(s)
		r.dd.hexTrace = r.dd.hexTrace || st == idValid && len(s) == 32
		r.applyTrace(f, id, st)
	case fieldGCPTrace:
		id, st := parseGCPTrace(s)
		r.applyTrace(f, id, st)
	case fieldTraceObject:
		// Cloud Logging's LogEntry writes "trace" as a string.
		if strings.HasPrefix(s, "projects/") {
			id, st := parseGCPTrace(s)
			r.applyTrace(fieldGCPTrace, id, st)
		}
	case fieldSpanID:
		id, st := parseSpan(trimHexPrefix(s, 16))
		r.applySpan(f, id, st)
	case fieldECSSpanID, fieldECSTransactionID, fieldGCPSpanID, fieldSerilogSpanID, fieldScopeSpanID:
		id, st := parseSpan(s)
		r.applySpan(f, id, st)
	case fieldDatadogSpanID:
		id, st := parseDatadogSpan(s)
		if st == idValid && isDigitSpan(s) {
			r.holdDatadogSpan(id)
		} else {
			r.applySpan(f, id, st)
		}
	case fieldDatadogTraceHigh:
		r.setDatadogHigh(s)
	case fieldTraceparent, fieldXRayTrace, fieldB3Single, fieldUberTraceID, fieldSentryTrace, fieldCloudTraceCtx:
		r.setHeaderValue(f, s)
	case fieldTraceFlags:
		if v, ok := parseFlags(s); ok {
			r.setFlags(v)
		}
	case fieldSampled:
		if b, ok := parseBool(s); ok {
			r.SetBool(f, b)
		}
	case fieldLevel:
		if r.SeverityText == "" {
			r.setLevel(parseLevel(s))
		}
	case fieldSeverityNumber:
		if n, ok := parseInt(s); ok {
			r.SetInt(f, n)
		}
	case fieldTime, fieldCLEFTime:
		if r.wantTime(f) {
			r.Timestamp = r.readTime(s)
		}
	case fieldService:
		if r.Service == "" {
			r.Service = s
		}
	case fieldBunyanName:
		if r.dialect.bunyanName == "" {
			r.dialect.bunyanName = s
		}
	}
}

// SetInt interprets an integer value found under a key of Field f.
func (r *Result) SetInt(f Field, n int64) {
	switch f {
	case fieldDatadogTraceID:
		var id [16]byte
		putUint64(id[8:], uint64(n))
		r.applyTrace(f, id, decimalStatus(n))
	case fieldDatadogSpanID:
		var id [8]byte
		putUint64(id[:], uint64(n))
		r.applySpan(f, id, decimalStatus(n))
	case fieldTraceFlags:
		if n >= 0 && n <= 0xff {
			r.setFlags(uint8(n))
		}
	case fieldSampled:
		r.SetBool(f, n != 0)
	case fieldLevel:
		if r.SeverityText == "" {
			r.setLevel(parseLevelNumber(n))
		}
	case fieldSeverityNumber:
		if r.SeverityNumber == 0 && n >= 1 && n <= 24 {
			r.SeverityNumber = int32(n)
		}
	case fieldTime, fieldCLEFTime:
		if r.wantTime(f) {
			r.Timestamp, _ = epochInt(n, "")
		}
	case fieldBunyanVersion:
		r.dialect.bunyanV = true
	default:
		// Other ids are hex text; a number can only be the placeholder 0.
		if n != 0 && f.role() != roleNone {
			r.reject(f)
		}
	}
}

// SetDouble interprets a floating-point value found under a key of Field f.
// Integral values are handled as by SetInt.
func (r *Result) SetDouble(f Field, x float64) {
	if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
		r.SetInt(f, int64(x))
		return
	}
	switch f {
	case fieldTime, fieldCLEFTime:
		if r.wantTime(f) {
			r.Timestamp, _ = parseEpoch(x)
		}
	default:
		if f.role() != roleNone {
			r.reject(f)
		}
	}
}

// SetBool interprets a boolean value found under a key of Field f.
func (r *Result) SetBool(f Field, b bool) {
	if f == fieldSampled || f == fieldTraceFlags {
		if b {
			r.setFlags(1)
		} else {
			r.setFlags(0)
		}
	}
}

// setLevel records the first level found. A number from OTLP's
// severityNumber may already be there; the text still fills in.
func (r *Result) setLevel(num int32, text string, ok bool) {
	if ok {
		r.SeverityText = text
		if r.SeverityNumber == 0 {
			r.SeverityNumber = num
		}
	}
}

// readTime reads a time value as parseTime does, one written without a
// zone only in the default zone (none: 0, as if there were no time).
func (r *Result) readTime(s string) int64 {
	ns, zoneless, ok := parseTime(s)
	if !ok {
		return 0
	}
	if zoneless {
		return inZone(ns, r.zone)
	}
	return ns
}

// wantTime notes that a time key was seen (Serilog's @t marks a CLEF
// record) and reports whether the time is still to be found.
func (r *Result) wantTime(f Field) bool {
	r.dialect.clef = r.dialect.clef || f == fieldCLEFTime
	return r.Timestamp == 0
}

// The rules every id obeys, whichever format found it.

// reject counts an invalid id value. A span id only matters next to a trace
// id, so an invalid one is counted only in a record with a trace key (see
// Finish): a record without any trace context is never counted for a span.
func (r *Result) reject(f Field) {
	if f.role() == roleSpan {
		r.spanRejected++
	} else {
		r.Rejected++
	}
}

func (r *Result) applyTrace(f Field, id [16]byte, st idStatus) {
	switch st {
	case idInvalid:
		r.Rejected++
	case idValid:
		r.setTrace(id, r.formatOf(f))
	}
}

func (r *Result) applySpan(f Field, id [8]byte, st idStatus) {
	switch st {
	case idInvalid:
		r.reject(f)
	case idValid:
		rank := spanPrimary
		if f == fieldECSTransactionID {
			rank = spanFallback
		}
		r.setSpan(id, rank)
	}
}

func (r *Result) formatOf(f Field) Format {
	if r.src != FormatOTLPMap && r.src != FormatOTLPAttributes {
		if f.isContext() && fields[f].format != formatJSON && f.jsonFormat() >= formatTraceparent {
			return f.jsonFormat() // a header names its own format
		}
	}
	if r.src == formatJSON {
		return f.jsonFormat()
	}
	return r.src
}

// setTrace records a trace id, or marks a conflict when the record already
// holds a different one. A 64-bit id (upper half zero, e.g. Datadog's decimal
// form) agrees with a 128-bit id that has the same lower half; the longer one
// is kept.
func (r *Result) setTrace(id [16]byte, f Format) {
	switch {
	case !r.HasTrace:
		r.TraceID, r.HasTrace, r.Format = id, true, f
	case id == r.TraceID:
	case [8]byte(id[8:]) != [8]byte(r.TraceID[8:]):
		r.conflict = true
	case [8]byte(r.TraceID[:8]) == [8]byte{}:
		r.TraceID, r.Format = id, f
	case [8]byte(id[:8]) != [8]byte{}:
		r.conflict = true
	}
}

func (r *Result) setSpan(id [8]byte, rank uint8) {
	switch {
	case rank > r.spanRank:
		r.SpanID, r.HasSpan, r.spanRank = id, true, rank
	case rank == r.spanRank && id != r.SpanID:
		r.conflict = true
	}
}

// setFlags keeps the first flags seen: flags never decide a link, so a
// disagreement is not worth dropping the ids for.
func (r *Result) setFlags(v uint8) {
	if !r.HasFlags {
		r.Flags, r.HasFlags = v, true
	}
}

// Propagation headers: a whole header value under its key, or a value that
// says by its shape that it is one.

// setTraceparent records a traceparent. Its span id ranks as a fallback:
// in an inbound request header it is the caller's span, not the logger's.
func (r *Result) setTraceparent(tp traceparent, f Format) {
	r.setTrace(tp.trace, f)
	r.setSpan(tp.span, spanFallback)
	r.setFlags(tp.flags)
}

// setHeader records a propagation header. Its span ranks as a fallback, as
// a traceparent's does: in an inbound request's header it is the caller's.
func (r *Result) setHeader(h header, f Format) {
	r.setTrace(h.trace, f)
	if h.hasSpan {
		r.setSpan(h.span, spanFallback)
	}
	if h.hasFlags {
		r.setFlags(h.flags)
	}
}

// applyHeader records a header value that parsed, counts one that did not.
func (r *Result) applyHeader(h header, st idStatus, f Format) {
	switch st {
	case idInvalid:
		r.Rejected++
	case idValid:
		r.setHeader(h, f)
	}
}

// setHeaderValue reads a propagation header's whole value under a key of
// Field f.
func (r *Result) setHeaderValue(f Field, s string) {
	if f != fieldTraceparent {
		h, st := parseHeader(f, s)
		r.applyHeader(h, st, r.formatOf(f))
		return
	}
	switch tp, st := parseTraceparent(s); st {
	case idInvalid:
		r.Rejected++
	case idValid:
		r.setTraceparent(tp, r.formatOf(f))
	}
}

// setXRayText records the X-Amzn-Trace-Id value that starts at s, text that
// begins "Root=" or "Self=" (an ALB access log's quoted trace field, a
// header written into a line). Shapes that are not X-Ray ids were never
// under a trace key: they are not counted as rejected.
func (r *Result) setXRayText(s string) {
	if h, st := parseXRay(s[:xrayHeaderEnd(s)]); st == idValid {
		r.setHeader(h, formatXRay)
	}
}

// setCarrierValue records a string in a nested container under a key that
// is no trace-context key, or an element of an array, when it is a whole
// traceparent or X-Amzn-Trace-Id value: those say what they are by their
// shape. (AWS Lambda's JSON platform records put the header under "value",
// beside "type":"X-Amzn-Trace-Id".)
func (r *Result) setCarrierValue(v string) {
	switch {
	case len(v) == traceparentLen && v[2] == '-':
		if tp, st := parseTraceparent(v); st == idValid {
			r.setTraceparent(tp, r.formatOf(fieldTraceparent))
		}
	case isXRayStart(v):
		r.setXRayText(v)
	}
}
